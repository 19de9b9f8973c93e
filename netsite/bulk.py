"""
Helpers for the bulk service functions (import, seeding, pruning).

Bulk writes differ from the one-row services in two ways: they move rows in
batches so that memory stays flat whatever the row count, and they insert
explicit ids, which PostgreSQL's id sequences do not notice by themselves.
"""

from datetime import UTC, datetime
from itertools import chain, islice

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection


def batched(iterable, size):
    """Yield lists of up to ``size`` items of ``iterable``."""
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def reset_sequences(*models):
    """
    Move the id sequences of ``models`` past their largest id.

    Needed after inserting rows with explicit ids: on PostgreSQL the next
    ordinary insert would otherwise take an id that is already used. SQLite
    keeps its counter up to date on its own (the statement list is empty).
    """
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


class UserIds:
    """Usernames to user ids, looked up once each: imports name users by name."""

    def __init__(self):
        self._ids = {}

    def get(self, username):
        """Return the id of ``username``, or ``None`` when there is no such user."""
        if username not in self._ids:
            user_model = get_user_model()
            self._ids[username] = (
                user_model._default_manager.filter(
                    **{user_model.USERNAME_FIELD: username}
                )
                .values_list("pk", flat=True)
                .first()
            )
        return self._ids[username]


def insert_rows(model, fields, rows):
    """
    INSERT ``rows`` (tuples in ``fields`` order) into ``model``'s table at once.

    For seeding only: values go to the database as given, without model
    validation, defaults or signals. Each datetime must be aware; it is
    stored as Django stores it (naive UTC where the database keeps no time
    zone, as on SQLite), without Django's slower per-value conversion.
    """
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in fields]
    # Only quoted identifiers from the model's own metadata go into the text;
    # every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    if not connection.features.supports_timezones:
        rows = _naive_utc(rows)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _naive_utc(rows):
    """Yield ``rows`` with their datetimes as naive UTC, as Django stores them."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    moments = [i for i, value in enumerate(first) if isinstance(value, datetime)]
    for row in chain([first], rows):
        row = list(row)
        for i in moments:
            row[i] = row[i].astimezone(UTC).replace(tzinfo=None)
        yield row
