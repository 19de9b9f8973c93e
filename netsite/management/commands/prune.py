"""Delete moderated (hidden) posts and chat messages past their retention."""

from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from board.services import prune_posts
from chat.models import Room
from chat.services import prune_messages
from content.commands import OperatorCommand
from content.words import counted


class Command(OperatorCommand):
    help = (
        "Delete posts and chat messages that moderators hid more than DAYS days "
        "ago, and report how many. Visible content is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hidden-older-than",
            type=int,
            default=30,
            metavar="DAYS",
            dest="days",
            help="Retention of hidden content in days (default: 30; 0: all).",
        )
        parser.add_argument(
            "--room",
            metavar="SLUG",
            help="Only this chat room's messages (board posts are left alone).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted; delete nothing.",
        )

    def handle(self, *args, days, room, dry_run, **options):
        if days < 0:
            raise CommandError("--hidden-older-than must be 0 or more days.")
        if room is not None:
            try:
                room = Room.objects.get(slug=room)
            except Room.DoesNotExist:
                raise CommandError(f"There is no chat room {room!r}.") from None
        cutoff = timezone.now() - timedelta(days=days)
        posts = 0 if room else prune_posts(hidden_before=cutoff, dry_run=dry_run)
        messages = prune_messages(hidden_before=cutoff, room=room, dry_run=dry_run)
        if self.verbosity >= 1:
            verb = "Would delete" if dry_run else "Deleted"
            where = f" in room {room.slug}" if room else ""
            self.stdout.write(
                f"{verb} {counted(posts, 'post', 'posts')} and "
                f"{counted(messages, 'message', 'messages')}{where} hidden more "
                f"than {counted(days, 'day', 'days')} ago."
            )
