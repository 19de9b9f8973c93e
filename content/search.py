"""
Full-text search of posts and chat messages, on either database.

Each kind searches its ``TEXT_FIELD``; its app adds the index with the
``AddSearchIndex`` migration operation. On SQLite the index is an
external-content FTS5 table (``<table>_fts``, holding only the index: the
text stays in the model's table) that triggers keep in step with every
insert, edit and delete, whichever code path writes. On PostgreSQL it is a
GIN index on ``to_tsvector('simple', text)``, which the search's own
expression matches, so neither database scans the table.

Both sides see a query the same way: its words (letters and digits), each of
which must occur in the text, whole and case-insensitively. The words are
taken out of the query here and handed over quoted (FTS5) or as plain text
(``plainto_tsquery``), so nothing a person types is ever read as query
syntax: quotes, ``*``, ``NEAR``, ``-`` or ``:`` are just characters. The
``simple`` configuration does no stemming, as FTS5's ``unicode61`` does not,
and suits a site whose people write in any language.

Results come newest first and page by id (``before``), like every list of
netsite, so a deep page costs what the first one does.
"""

import re
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import connection, connections, models, transaction
from django.db.migrations.operations.base import Operation
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

QUERY_MAX_LENGTH = 200
WORDS_MAX = 10
EXCERPT_LENGTH = 200
PAGE_SIZE = 50
# The text-search configuration of the PostgreSQL index; the query must name
# the same one, or the index is not used.
PG_CONFIG = "simple"

WORD = re.compile(r"\w+")


def words(query):
    """
    Return the words of ``query``, or raise ``ValidationError({"q": ...})``
    when there is nothing to search for or too much.
    """
    query = (query or "").strip()
    if not query:
        raise ValidationError(
            {"q": ValidationError("Type a word to search for.", code="required")}
        )
    if len(query) > QUERY_MAX_LENGTH:
        raise ValidationError(
            {
                "q": ValidationError(
                    f"Search for at most {QUERY_MAX_LENGTH} characters "
                    f"(this has {len(query)}).",
                    code="max_length",
                )
            }
        )
    found = WORD.findall(query)
    if not found:
        raise ValidationError(
            {
                "q": ValidationError(
                    "Search for at least one word or number: punctuation "
                    "alone finds nothing.",
                    code="no_words",
                )
            }
        )
    # lower(), not casefold(): both databases keep "ß" as it is.
    unique = list(dict.fromkeys(word.lower() for word in found))
    if len(unique) > WORDS_MAX:
        raise ValidationError(
            {
                "q": ValidationError(
                    f"Search for at most {WORDS_MAX} words.", code="too_many_words"
                )
            }
        )
    return unique


def fts_table(table):
    return f"{table}_fts"


def fts_match(found):
    """Return an FTS5 query that needs every word: each one a quoted string."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in found)


def matching(queryset, query):
    """
    Filter ``queryset`` to the items whose text has every word of ``query``.

    Raises ``ValidationError({"q": ...})`` for a query with nothing to search.
    """
    found = words(query)
    model = queryset.model
    field = model._meta.get_field(model.TEXT_FIELD)
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        table = _quote(fts_table(model._meta.db_table))
        # The query is a parameter; the table name is the model's own.
        ids = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
        return queryset.filter(pk__in=RawSQL(ids, [fts_match(found)]))  # noqa: S611
    if vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        return queryset.alias(
            _search=SearchVector(field.name, config=PG_CONFIG)
        ).filter(_search=SearchQuery(" ".join(found), config=PG_CONFIG))
    # Any other database: correct, if slow.
    every = models.Q()
    for word in found:
        every &= models.Q(**{f"{field.name}__icontains": word})
    return queryset.filter(every)


def search(queryset, query, *, before=None, limit=PAGE_SIZE):
    """
    Return one page of the items of ``queryset`` matching ``query``, newest
    first and older than the item ``before`` if given, and the id to continue
    from (``None`` on the last page).
    """
    found = matching(queryset, query).order_by("-pk")
    if before is not None:
        found = found.filter(pk__lt=before)
    page = list(found[: limit + 1])
    older = page[limit - 1].pk if len(page) > limit else None
    return page[:limit], older


def excerpt(text, query, *, length=EXCERPT_LENGTH):
    """
    Return up to ``length`` characters of ``text`` around the first word of
    ``query`` found in it, as HTML: the text escaped, then every word of the
    query wrapped in ``<mark>``.
    """
    try:
        found = words(query)
    except ValidationError:
        found = []
    # Whole words, as the search matched them.
    alternatives = "|".join(re.escape(word) for word in found)
    pattern = (
        re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        if found
        else None
    )
    first = pattern.search(text) if pattern else None
    start = 0
    if first is not None and first.start() > length // 3:
        start = first.start() - length // 3
        # Begin at a word, if one begins before the match.
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(len(text), start + length)
    if end < len(text):
        # End after a word, if that keeps the match.
        space = text.rfind(" ", first.end() if first else start, end)
        end = space if space != -1 else end
    piece = text[start:end]
    parts = []
    position = 0
    for match in pattern.finditer(piece) if pattern else ():
        parts.append(escape(piece[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(piece[position:]))
    html = "".join(parts)
    return mark_safe(  # noqa: S308 (every piece of the text is escaped above)
        ("…" if start > 0 else "") + html + ("…" if end < len(text) else "")
    )


# The index on each database. Every name in its SQL is a table or column
# name of netsite's own models, quoted; no value is ever formatted in.


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _trigger_names(table):
    fts = fts_table(table)
    return [f"{fts}_insert", f"{fts}_delete", f"{fts}_update"]


def _sqlite_triggers(table, column):
    fts, t, c = _quote(fts_table(table)), _quote(table), _quote(column)
    insert = f"INSERT INTO {fts}(rowid, {c}) VALUES (new.id, new.{c});"  # noqa: S608
    delete = (
        f"INSERT INTO {fts}({fts}, rowid, {c}) "  # noqa: S608
        f"VALUES ('delete', old.id, old.{c});"
    )
    insert_name, delete_name, update_name = _trigger_names(table)
    return {
        insert_name: f"AFTER INSERT ON {t} BEGIN {insert} END",
        delete_name: f"AFTER DELETE ON {t} BEGIN {delete} END",
        update_name: f"AFTER UPDATE OF {c} ON {t} BEGIN {delete} {insert} END",
    }


def _pg_index(table):
    return f"{table}_search"


def ensure_sqlite_index(cursor, table, column):
    """
    Create what is missing of ``table``'s FTS5 index, and fill it again when
    something was: a migration that rebuilds ``table`` (SQLite's way to alter
    most columns) drops its triggers, and misses what is written meanwhile.
    Return whether anything was missing.
    """
    fts = fts_table(table)
    triggers = _sqlite_triggers(table, column)
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name IN (%s, %s)", [table, fts]
    )
    missing = {fts, *triggers} - {name for (name,) in cursor.fetchall()}
    if not missing:
        return False
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {_quote(fts)} USING fts5("
        f"{_quote(column)}, content={_quote(table)}, content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    for name, body in triggers.items():
        if name in missing:
            cursor.execute(f"CREATE TRIGGER {_quote(name)} {body}")
    fts = _quote(fts)
    cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608
    return True


def has_sqlite_index(cursor, table):
    cursor.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s",
        [fts_table(table)],
    )
    return cursor.fetchone() is not None


@contextmanager
def indexed_in_bulk(model):
    """
    Index the rows of ``model`` inserted inside the block in one statement at
    its end, rather than row by row through the insert trigger: several
    times faster for a bulk insert of new rows (ids above every stored one),
    such as seeding. The whole block is one transaction, so no other writer
    ever sees the table without its trigger.
    """
    table = model._meta.db_table
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if not has_sqlite_index(cursor, table):
            yield
            return
        column = model._meta.get_field(model.TEXT_FIELD).column
        insert_trigger = _trigger_names(table)[0]
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {_quote(table)}")  # noqa: S608
        (last,) = cursor.fetchone()
        cursor.execute(f"DROP TRIGGER {_quote(insert_trigger)}")
        yield
        fts, t, c = _quote(fts_table(table)), _quote(table), _quote(column)
        cursor.execute(
            f"INSERT INTO {fts}(rowid, {c}) SELECT id, {c} FROM {t} "  # noqa: S608
            "WHERE id > %s ORDER BY id",
            [last],
        )
        body = _sqlite_triggers(table, column)[insert_trigger]
        cursor.execute(f"CREATE TRIGGER {_quote(insert_trigger)} {body}")


class AddSearchIndex(Operation):
    """
    Index ``model_name``'s ``field`` for ``content.search``: FTS5 and its
    triggers on SQLite, a GIN index on PostgreSQL, nothing elsewhere. The
    model's state does not change, so the index needs no ``Meta`` entry.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name, field):
        self.model_name = model_name
        self.field = field

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"model_name": self.model_name, "field": self.field},
        )

    def state_forwards(self, app_label, state):
        pass

    def _table_and_column(self, app_label, state):
        model = state.apps.get_model(app_label, self.model_name)
        return model._meta.db_table, model._meta.get_field(self.field).column

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table, column = self._table_and_column(app_label, to_state)
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            with schema_editor.connection.cursor() as cursor:
                ensure_sqlite_index(cursor, table, column)
        elif vendor == "postgresql":
            q = schema_editor.quote_name
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {q(_pg_index(table))} ON {q(table)} "
                f"USING gin (to_tsvector('{PG_CONFIG}'::regconfig, "
                f"COALESCE({q(column)}, '')))"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table, _ = self._table_and_column(app_label, from_state)
        vendor = schema_editor.connection.vendor
        q = schema_editor.quote_name
        if vendor == "sqlite":
            for name in _trigger_names(table):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {q(name)}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {q(fts_table(table))}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(_pg_index(table))}")

    def describe(self):
        return f"Add a search index on {self.model_name}.{self.field}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_search"


def repair_sqlite_indexes(*, using="default", **kwargs):
    """
    After ``migrate``: give back the triggers of every search index that a
    later migration's table rebuild dropped (a ``post_migrate`` receiver).
    """
    from django.apps import apps
    from django.db import connections

    from content.models import ModeratedContent

    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        for model in apps.get_models():
            if not issubclass(model, ModeratedContent) or not model.TEXT_FIELD:
                continue
            table = model._meta.db_table
            if has_sqlite_index(cursor, table):
                column = model._meta.get_field(model.TEXT_FIELD).column
                ensure_sqlite_index(cursor, table, column)
