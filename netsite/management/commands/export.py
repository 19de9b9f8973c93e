"""
Write board posts, chat messages or the moderation log to a file, in id order.

The rows are streamed: the query runs through ``.iterator()`` and lines are
written chunk by chunk, so memory stays flat whether the site holds a hundred
rows or ten million. ``import`` reads the result back.
"""

import os
import sys
from pathlib import Path

from django.core.management.base import CommandError

from board.models import Post
from chat.models import Message, Room
from content import records
from content.commands import OperatorCommand
from content.models import AuditEntry
from content.words import counted

CHUNK = 2000
# kind -> (one, many): how the summary line counts what was exported.
NOUNS = {"moderation": ("moderation log entry", "moderation log entries")}


class Command(OperatorCommand):
    help = (
        "Write board posts, chat messages or the moderation log (who did "
        "what, when, where and why) as JSON Lines or CSV, oldest first, to "
        "stdout or a file. Hidden posts and messages are left out unless "
        "--include-hidden."
    )

    def add_arguments(self, parser):
        records.add_kind_argument(parser, help="What to export.", export=True)
        parser.add_argument(
            "--room", metavar="SLUG", help="Only this chat room (messages only)."
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="Only rows created at or after this ISO 8601 date or date-time "
            "(UTC unless it says otherwise), e.g. 2026-11-01.",
        )
        records.add_format_argument(parser)
        parser.add_argument(
            "--include-hidden",
            action="store_true",
            help="Also export hidden rows, with the moderation fields hidden, "
            "hidden_at and hidden_by.",
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            default="-",
            help="Write to FILE instead of stdout. The file appears only once "
            "complete.",
        )

    def handle(self, *args, kind, room, since, fmt, include_hidden, output, **opts):
        rows = {"posts": Post, "messages": Message, "moderation": AuditEntry}[
            kind
        ].objects.all()
        if kind == "moderation" and include_hidden:
            raise CommandError("--include-hidden applies to posts and messages.")
        if room is not None:
            if kind != "messages":
                raise CommandError(f"--room applies to messages, not {kind}.")
            if not Room.objects.filter(slug=room).exists():
                raise CommandError(f"There is no chat room {room!r}.")
            rows = rows.filter(room__slug=room)
        if since is not None:
            try:
                rows = rows.filter(
                    created__gte=records.parse_moment(since, what="--since")
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
        if not include_hidden and kind != "moderation":
            rows = rows.filter(hidden=False)
        fmt = records.file_format(fmt, output)

        fields = records.columns(kind, include_hidden=include_hidden)
        names = list(fields)
        rows = rows.order_by("id").values_list(*fields.values())
        total = rows.count() if self.verbosity >= 1 and self.stderr.isatty() else None

        if output == "-":
            try:
                count = self._write(rows, names, fmt, _Stdout(self.stdout), total)
            except BrokenPipeError:
                # The reader stopped early (`| head`): no error, no traceback,
                # and nothing more to flush into the closed pipe at exit.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return
            self.note(f"Exported {_counted(count, kind)}.")
            return

        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"Cannot write {output}: {target.parent} is no folder.")
        partial = target.with_name(f".{target.name}.partial")
        try:
            with open(partial, "w", encoding="utf-8", newline="") as stream:
                count = self._write(rows, names, fmt, stream, total)
            os.replace(partial, target)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        finally:
            partial.unlink(missing_ok=True)
        self.note(f"Exported {_counted(count, kind)} to {output}.")

    def _write(self, rows, names, fmt, stream, total):
        writer = records.WRITERS[fmt](stream, names)
        count = 0
        chunk = []
        with self.progress("Exporting", total=total) as progress:
            for row in rows.iterator(chunk_size=CHUNK):
                chunk.append(records.encode(row, names))
                if len(chunk) == CHUNK:
                    writer.write_rows(chunk)
                    progress.advance(len(chunk))
                    count += len(chunk)
                    chunk = []
            writer.write_rows(chunk)
            progress.advance(len(chunk))
            count += len(chunk)
        return count


def _counted(count, kind):
    one, many = NOUNS.get(kind, (kind[:-1], kind))
    return counted(count, one, many)


class _Stdout:
    """The command's stdout as a plain text stream (no line ending added)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="", style_func=lambda t: t)
