"""Make a member a moderator from a terminal, or stop them being one."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from content import moderators
from content.commands import OperatorCommand


def _user(username):
    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        raise CommandError(f"There is no user {username!r}.") from None


class Command(OperatorCommand):
    help = (
        "add USERNAME: put a member in the Moderators group with staff status "
        "(the admin needs it); remove USERNAME: take them out again. The "
        "moderation log records it."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "remove"])
        parser.add_argument("username", help="The member.")
        parser.add_argument(
            "--by", metavar="USER", help="The moderator to log (default: system)."
        )

    def handle(self, *args, action, username, by, **opts):
        user = _user(username)
        by = _user(by) if by is not None else None
        adding = action == "add"
        changed = moderators.set_moderator(
            user=user, moderator=adding, by=by, via="command"
        )
        name = user.get_username()
        if not changed:
            state = "already" if adding else "not"
            self.stdout.write(f"{name} is {state} a moderator.")
        elif adding:
            self.stdout.write(f"{name} is now a moderator.")
        else:
            self.stdout.write(f"{name} is no longer a moderator.")
