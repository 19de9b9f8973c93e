"""Ban a member or a guest address from a terminal, or lift a ban."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from content import bans, records
from content.commands import OperatorCommand, user_named


def _user(username):
    return None if username is None else user_named(username)


class Command(OperatorCommand):
    help = (
        "Ban a member (USERNAME) or a guest address (--address) from posting, "
        "chatting and reporting, for good or until a moment; their open "
        "sockets close (in every process when REDIS_URL is set). With --lift, "
        "lift the ban in force instead. The moderation log records it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="The member to ban.")
        parser.add_argument("--address", metavar="IP", help="A guest address.")
        parser.add_argument("--reason", help="Why (required to ban); shown to them.")
        until = parser.add_mutually_exclusive_group()
        until.add_argument(
            "--until",
            metavar="DATE",
            help="End of the ban, ISO 8601 (UTC unless it says otherwise).",
        )
        until.add_argument(
            "--days", type=int, metavar="N", help="End of the ban, N days from now."
        )
        parser.add_argument(
            "--lift", action="store_true", help="Lift the ban in force instead."
        )
        parser.add_argument(
            "--by", metavar="USER", help="The moderator to log (default: system)."
        )

    def handle(self, *args, username, address, reason, until, days, lift, by, **opts):
        if (username is None) == (address is None):
            raise CommandError("Name a member (USERNAME) or give --address, not both.")
        user, by = _user(username), _user(by)
        if lift:
            ban = bans.active_ban(user=user, address=address)
            if ban is None or (user is None and ban.user_id is not None):
                raise CommandError(f"No ban is in force on {username or address}.")
            bans.lift_ban(ban=ban, by=by, via="command", reason=reason or "")
            self.stdout.write(f"Lifted the ban on {ban.target}.")
            return
        if until is not None:
            try:
                until = records.parse_moment(until, what="--until")
            except ValueError as error:
                raise CommandError(str(error)) from None
        elif days is not None:
            if days < 1:
                raise CommandError("--days must be 1 or more.")
            until = timezone.now() + timedelta(days=days)
        try:
            ban = bans.ban(
                user=user,
                address=address,
                until=until,
                reason=reason,
                by=by,
                via="command",
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        end = (
            "until lifted"
            if ban.expires is None
            else f"until {ban.expires:%Y-%m-%d %H:%M} UTC"
        )
        self.stdout.write(f"Banned {ban.target} {end}.")
