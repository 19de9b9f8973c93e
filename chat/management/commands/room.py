"""
``manage.py room create "Title" [--topic TEXT]`` and ``manage.py room topic
SLUG TEXT``: create a room, or change its topic, as the site itself.

Both go through ``chat.services`` like the room list's form and the API, so a
title another room's reads the same as is refused here too, in one line.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from chat.models import Room
from chat.services import create_room, update_room
from content.commands import OperatorCommand


class Command(OperatorCommand):
    help = "Create a chat room, or change a room's topic."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a room.")
        create.add_argument("title", help="The room's title (unique).")
        create.add_argument("--topic", default="", help="What the room is for.")
        topic = actions.add_parser("topic", help="Change a room's topic.")
        topic.add_argument("room", help="The room's slug, as in /chat/<slug>/.")
        topic.add_argument("topic", help="The new topic ('' clears it).")

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                room = create_room(title=options["title"], topic=options["topic"])
                self.stdout.write(
                    f"Created room {room.slug}: {room.get_absolute_url()}"
                )
                return
            room = Room.objects.filter(slug=options["room"]).first()
            if room is None:
                raise CommandError(f"There is no room {options['room']!r}.")
            update_room(room=room, topic=options["topic"], by=None, via="command")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Changed the topic of {room.slug}.")
        self.warn_unless_broadcasting("topic")
