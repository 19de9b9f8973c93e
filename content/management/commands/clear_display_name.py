"""Take a member's display name away from a terminal."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from content.commands import OperatorCommand, user_named
from content.services import clear_display_name


class Command(OperatorCommand):
    help = (
        "Clear USERNAME's display name (an offensive or misleading one): "
        "everything they wrote shows their username again. The moderation log "
        "records it. They may choose another name afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The member.")
        parser.add_argument("--reason", default="", help="Why, for the log.")
        parser.add_argument(
            "--by", metavar="USER", help="The moderator to log (default: system)."
        )

    def handle(self, *args, username, reason, by, **opts):
        user = user_named(username)
        by = user_named(by) if by is not None else None
        try:
            cleared = clear_display_name(user=user, by=by, via="command", reason=reason)
        except PermissionDenied as error:
            raise CommandError(f"--by {by.get_username()}: {error}") from None
        name = user.get_username()
        if cleared:
            self.stdout.write(f"Cleared the display name of {name}.")
        else:
            self.stdout.write(f"{name} has no display name.")
