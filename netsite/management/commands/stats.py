"""Counts an operator checks first: content, moderation, database size."""

import json
import os

from django.db import connection
from django.utils import timezone

from board.models import Post
from chat.models import Message, Room
from content.commands import OperatorCommand


class Command(OperatorCommand):
    help = (
        "Show how many posts, rooms and messages there are (in total, created "
        "today and hidden) and the database size."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print one JSON object, for scripts.",
        )

    def handle(self, *args, as_json, **options):
        figures = collect()
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        for kind in ("posts", "rooms", "messages"):
            counts = figures[kind]
            line = f"{kind:<10}{counts['total']:>12,} total{counts['today']:>10,} today"
            if "hidden" in counts:
                line += f"{counts['hidden']:>10,} hidden"
            self.stdout.write(line)
        size = figures["database"]["bytes"]
        self.stdout.write(
            f"{'database':<10}{'unknown' if size is None else _bytes(size):>12}"
            f" ({figures['database']['vendor']})"
        )


def collect():
    """Return the figures as a dict (``None`` where a figure is not knowable)."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    figures = {}
    for kind, rows in (
        ("posts", Post.objects),
        ("rooms", Room.objects),
        ("messages", Message.objects),
    ):
        counts = {
            "total": rows.count(),
            "today": rows.filter(created__gte=today).count(),
        }
        if kind != "rooms":
            counts["hidden"] = rows.filter(hidden=True).count()
        figures[kind] = counts
    figures["database"] = {"vendor": connection.vendor, "bytes": database_bytes()}
    return figures


def database_bytes():
    """Return the database's size on disk in bytes, or ``None`` if unknown."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            # Pages in the main file; the WAL file holds recent writes on top.
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            size = pages * cursor.fetchone()[0]
            name = str(connection.settings_dict["NAME"])
            if os.path.exists(name + "-wal"):
                size += os.path.getsize(name + "-wal")
            return size
    return None


def _bytes(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return None
