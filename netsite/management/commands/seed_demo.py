"""Fill a fresh site with demo content, or a test site with load."""

import random

from django.core.management.base import CommandError

from board.models import Post
from board.services import seed_posts
from chat.models import Message, Room
from chat.services import seed_messages, seed_rooms
from content.commands import OperatorCommand
from content.words import counted


class Command(OperatorCommand):
    help = (
        "Add demo board posts, chat rooms and chat messages by guests, dated "
        "over the last 30 days (after any content already there, which pages "
        "list before them). Bulk inserts in one transaction per kind: a "
        "million posts take seconds on SQLite."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--posts", type=int, default=200, metavar="N", help="Default: 200."
        )
        parser.add_argument(
            "--rooms", type=int, default=3, metavar="R", help="Default: 3."
        )
        parser.add_argument(
            "--messages",
            type=int,
            default=300,
            metavar="M",
            help="Default: 300, spread over the new rooms (over the existing "
            "ones with --rooms 0).",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed, for repeatable data."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=10_000,
            metavar="ROWS",
            help="Rows per INSERT (default: 10000).",
        )

    def handle(self, *args, posts, rooms, messages, seed, batch_size, **options):
        for flag, value in (
            ("--posts", posts),
            ("--rooms", rooms),
            ("--messages", messages),
        ):
            if value < 0:
                raise CommandError(f"{flag} must be 0 or more, not {value}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        targets = list(Room.objects.all()) if rooms == 0 else []
        if messages and rooms == 0 and not targets:
            raise CommandError("--messages needs rooms: there are none, pass --rooms.")

        for count, model, where in (
            (posts, Post, "The board already has posts"),
            (messages, Message, "Chat already has messages"),
        ):
            if count and model.objects.exists():
                # Pages list content by id, and ids only grow.
                self.note(
                    f"{where}: the demo ones come after them, dated between the "
                    "newest and now."
                )
        rng = random.Random(seed)
        if rooms:
            targets = seed_rooms(count=rooms, rng=rng)
        if posts:
            with self.progress("Posts", total=posts) as bar:
                seed_posts(
                    count=posts, rng=rng, batch_size=batch_size, progress=bar.advance
                )
        if messages:
            with self.progress("Messages", total=messages) as bar:
                seed_messages(
                    rooms=targets,
                    count=messages,
                    rng=rng,
                    batch_size=batch_size,
                    progress=bar.advance,
                )
        if self.verbosity >= 1:
            self.stdout.write(
                f"Added {counted(posts, 'post', 'posts')}, "
                f"{counted(rooms, 'room', 'rooms')} and "
                f"{counted(messages, 'message', 'messages')}."
            )
