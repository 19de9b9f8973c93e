"""
``manage.py say <room> "text"``: post a message as a system user.

The message goes through ``chat.services.post_message`` like any other, so it
is stored and broadcast on commit. The broadcast reaches the running server
only through a shared channel layer (``REDIS_URL``); without one the command
warns in one line (as ``post`` does) and open pages see the message on their
next resume or reload.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from chat.models import Room
from chat.services import post_message
from content.bans import Banned
from content.commands import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Post a message to a chat room as a system user. Open room pages show "
        "it at once when REDIS_URL is set; otherwise on their next load."
    )

    def add_arguments(self, parser):
        parser.add_argument("room", help="The room's slug, as in /chat/<slug>/.")
        parser.add_argument("text", help="The message.")
        parser.add_argument(
            "--as",
            dest="username",
            default="system",
            help="The user to post as, created without a password if new "
            "(default: system).",
        )

    def handle(self, *args, room, text, username, **options):
        target = Room.objects.filter(slug=room).first()
        if target is None:
            known = ", ".join(Room.objects.values_list("slug", flat=True)[:10])
            raise CommandError(
                f"There is no room {room!r}."
                + (f" Rooms: {known}." if known else " Create one at /chat/.")
            )
        user = self.system_user(username)
        try:
            message, _created = post_message(room=target, text=text, author=user)
        except Banned as error:
            raise CommandError(error.message) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Posted message #{message.pk} to {target.slug} as {user.get_username()}."
        )
        self.warn_unless_broadcasting("message")

    @staticmethod
    def system_user(username):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            # No password: the account can post from here but never log in.
            user = User.objects.create_user(username, password=None)
        return user
