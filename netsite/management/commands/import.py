"""
Read posts or messages written by ``manage.py export`` back into the site.

All or nothing: every line is checked (its format here, its content by the
board's and chat's import services), every bad line is reported by number,
and only a file without bad lines is stored, in one transaction. Importing
the same file again adds nothing.

The module is named after the command, ``import``; Django loads commands by
module name through ``importlib``, which accepts a keyword as a name.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import ngettext

from board.services import import_posts
from chat.services import import_messages
from content import records
from content.commands import OperatorCommand
from content.words import counted

MAX_REPORTED = 20


class Command(OperatorCommand):
    help = (
        "Import posts or messages from a file written by `manage.py export` "
        "(JSON Lines or CSV). Stores all lines or, if any line is bad, none; "
        "importing the same file twice adds nothing."
    )

    def add_arguments(self, parser):
        records.add_kind_argument(parser, help="What the file holds.")
        parser.add_argument("file", metavar="FILE", help="The file, or - for stdin.")
        records.add_format_argument(parser)
        parser.add_argument(
            "--keep-unknown-authors",
            action="store_true",
            help="Import rows whose author has no account here as guests' rows "
            "under their display name, instead of refusing the file.",
        )

    def handle(self, *args, kind, file, fmt, keep_unknown_authors, **options):
        fmt = records.file_format(fmt, file)
        if file == "-":
            stream = sys.stdin
        else:
            try:
                stream = open(file, encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        store = import_posts if kind == "posts" else import_messages
        total = None
        if file != "-" and self.verbosity >= 1 and self.stderr.isatty():
            total = _count_records(file, fmt)
        bad = []  # lines that do not parse, found while the services check the rest
        try:
            with (
                stream,
                self.progress(f"Importing {kind}", total=total) as progress,
                transaction.atomic(),
            ):
                added, skipped = store(
                    self._rows(kind, fmt, stream, bad, progress),
                    keep_unknown_authors=keep_unknown_authors,
                )
                if bad:
                    raise ValidationError([])  # undo what the services stored
        except ValidationError as error:
            self._refuse(file, bad + error.messages)
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        if self.verbosity >= 1:
            already = ""
            if skipped:
                already = (
                    f"; {skipped:,} {ngettext('was', 'were', skipped)} already here"
                )
            self.stdout.write(f"Imported {_counted(added, kind)} from {file}{already}.")

    def _rows(self, kind, fmt, stream, bad, progress):
        """Yield ``("line N", row)``; collect lines that do not parse in ``bad``."""
        try:
            for number, record in records.READERS[fmt](stream):
                progress.advance()
                if isinstance(record, records.RecordError):
                    bad.append(str(record))
                    continue
                try:
                    yield f"line {number}", records.decode(kind, record)
                except ValueError as error:
                    bad.append(f"line {number}: {error}")
        except records.RecordError as error:
            bad.append(str(error))  # the rest of the file cannot be read

    def _refuse(self, file, problems):
        problems = sorted(set(problems), key=_line_number)
        for problem in problems[:MAX_REPORTED]:
            self.stderr.write(problem)
        more = len(problems) - MAX_REPORTED
        if more > 0:
            self.stderr.write(f"… and {more:,} more.")
        hint = ""
        if any("no user" in p for p in problems):
            hint = " Create the missing users first, or pass --keep-unknown-authors."
        raise CommandError(
            f"Imported nothing: {file} has "
            f"{counted(len(problems), 'bad line', 'bad lines')}.{hint}"
        )


def _counted(count, kind):
    """``kind`` is the plural the command takes: "posts" or "messages"."""
    return counted(count, kind[:-1], kind)


def _count_records(file, fmt):
    """Count a file's lines (fast, in binary) to size the progress bar."""
    with open(file, "rb") as stream:
        lines = sum(
            chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")
        )
    return max(lines - (1 if fmt == "csv" else 0), 1)


def _line_number(problem):
    head = problem.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0
