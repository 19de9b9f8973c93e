"""
The file formats of ``manage.py export`` and ``manage.py import``.

One record per post or message, in id order, as JSON Lines (one object per
line) or CSV (a header line, then one row per record). Users and rooms are
named, not numbered (``author: "ada"``, ``room: "general"``), so a file moves
between sites; moments are ISO 8601 in UTC with microseconds
(``2026-11-22T02:10:07.123456Z``), so a round trip keeps them exactly. In CSV
an empty cell means "none" and booleans are ``true``/``false``; JSON uses
``null`` and ``true``/``false``.
"""

import csv
import json
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from content.events import utc_iso

MODERATION = ("hidden", "hidden_at", "hidden_by")

KINDS = {
    "posts": {
        # field name in the file -> lookup in the database
        "fields": {
            "id": "id",
            "created": "created",
            "author": "author__username",
            "display_name": "display_name",
            "body": "body",
            "client_id": "client_id",
            # A reply names its topic's first post; a first post, its title.
            "topic": "topic_id",
            "title": "title",
        },
        "required": ("id", "created", "body"),
    },
    "messages": {
        "fields": {
            "id": "id",
            "room": "room__slug",
            "room_title": "room__title",
            "created": "created",
            "author": "author__username",
            "display_name": "display_name",
            "text": "text",
            "client_id": "client_id",
        },
        "required": ("id", "room", "created", "text"),
    },
}
# Kinds that are exported but never imported: records of moderation.
EXPORT_ONLY = {
    "moderation": {
        "fields": {
            "id": "id",
            "created": "created",
            "actor": "actor_name",
            "action": "action",
            "via": "via",
            "kind": "content_type__model",
            "object_id": "object_id",
            "target": "target",
            "reason": "reason",
            "detail": "detail",
        },
    },
}
MODERATION_LOOKUPS = {
    "hidden": "hidden",
    "hidden_at": "hidden_at",
    "hidden_by": "hidden_by__username",
}
MOMENTS = {"created", "hidden_at"}
INTEGERS = {"id", "topic"}


def columns(kind, *, include_hidden):
    """Return ``{file field: database lookup}`` for ``kind``, in file order."""
    fields = dict({**KINDS, **EXPORT_ONLY}[kind]["fields"])
    if include_hidden:
        fields.update(MODERATION_LOOKUPS)
    return fields


def format_moment(value):
    """Return an aware datetime as ISO 8601 UTC (``...Z``), keeping microseconds."""
    return None if value is None else utc_iso(value)


def parse_moment(text, *, what):
    """
    Return an aware datetime for an ISO 8601 date or date-time, UTC if naive.

    Raise ``ValueError`` with a message that says what was expected.
    """
    text = text.strip()
    try:
        value = parse_datetime(text)
        if value is None:
            value = datetime.fromisoformat(text)  # a bare date: 2026-11-01
    except ValueError:
        value = None
    if value is None:
        raise ValueError(
            f"{what}: {text!r} is not an ISO 8601 date or date-time "
            "(e.g. 2026-11-01 or 2026-11-01T08:30:00Z)."
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class JsonLinesWriter:
    def __init__(self, stream, names):
        self.stream = stream
        self.names = names

    def write_rows(self, rows):
        self.stream.write(
            "".join(
                json.dumps(dict(zip(self.names, row, strict=True)), ensure_ascii=False)
                + "\n"
                for row in rows
            )
        )


class CsvWriter:
    def __init__(self, stream, names):
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(names)

    def write_rows(self, rows):
        self.writer.writerows([_cell(v) for v in row] for row in rows)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


WRITERS = {"jsonl": JsonLinesWriter, "csv": CsvWriter}


def encode(row, names):
    """Turn one database row (a tuple in ``names`` order) into file values."""
    return tuple(
        format_moment(value) if name in MOMENTS else value
        for name, value in zip(names, row, strict=True)
    )


def read_jsonl(stream):
    """
    Yield ``(line number, record dict)``, or a ``RecordError`` in place of the
    dict for a broken line: the lines after it can still be read and checked.
    """
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            record = RecordError(number, f"not valid JSON ({error.msg}).")
        if not isinstance(record, dict | RecordError):
            record = RecordError(number, "expected a JSON object.")
        yield number, record


def read_csv(stream):
    """
    Yield ``(line number, record dict)``; empty cells become ``None``.

    Raise ``RecordError`` where the CSV itself breaks (an unclosed quote):
    what follows cannot be split into rows reliably.
    """
    reader = csv.DictReader(stream)
    start = 2
    try:
        for record in reader:
            if None in record or None in record.values():
                raise RecordError(start, "this row does not have the header's cells.")
            yield start, {k: (v if v != "" else None) for k, v in record.items()}
            start = reader.line_num + 1
    except csv.Error as error:
        raise RecordError(reader.line_num, f"not valid CSV ({error}).") from None


READERS = {"jsonl": read_jsonl, "csv": read_csv}


def add_kind_argument(parser, help, *, export=False):
    """
    Add the ``kind`` argument (posts or messages, and for an ``export`` the
    moderation log too) to a command.
    """
    choices = [*KINDS, *EXPORT_ONLY] if export else list(KINDS)
    parser.add_argument("kind", choices=choices, help=help)


def add_format_argument(parser):
    """Add ``--format`` (``fmt``) to a command; ``file_format`` fills it in."""
    parser.add_argument(
        "--format",
        choices=["jsonl", "csv"],
        default=None,
        dest="fmt",
        help="File format (default: csv for a .csv file, jsonl otherwise).",
    )


def file_format(fmt, path):
    """Return ``fmt``, or the format the name of ``path`` suggests when ``None``."""
    if fmt is not None:
        return fmt
    return "csv" if path.lower().endswith(".csv") else "jsonl"


class RecordError(ValueError):
    def __init__(self, number, message):
        super().__init__(f"line {number}: {message}")
        self.number = number


def decode(kind, record):
    """
    Return ``record`` (from either format) with typed values.

    Raise ``ValueError`` naming the first field that is wrong.
    """
    known = set(KINDS[kind]["fields"]) | set(MODERATION)
    missing = [f for f in KINDS[kind]["required"] if record.get(f) in (None, "")]
    if missing:
        raise ValueError(f"{', '.join(missing)} missing.")
    unknown = sorted(set(record) - known)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (is this a {kind} file?).")
    row = {}
    for name, value in record.items():
        if value is None:
            row[name] = None
        elif name in INTEGERS:
            row[name] = _integer(value, name)
        elif name == "hidden":
            row[name] = _boolean(value)
        elif name in MOMENTS:
            if not isinstance(value, str):
                raise ValueError(f"{name}: expected a date-time string.")
            row[name] = parse_moment(value, what=name)
        elif not isinstance(value, str):
            raise ValueError(f"{name}: expected text, not {json.dumps(value)}.")
        else:
            row[name] = value
    return row


def _integer(value, name="id"):
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a whole number.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    else:
        raise ValueError(f"{name}: {value!r} is not a whole number.")
    if number < 1:
        raise ValueError(f"{name}: must be 1 or more.")
    return number


def _boolean(value):
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"hidden: {value!r} is not true or false.")
