"""Make a member a moderator from a terminal, or stop them being one."""

from content import moderators
from content.commands import OperatorCommand, user_named


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
        user = user_named(username)
        by = user_named(by) if by is not None else None
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
