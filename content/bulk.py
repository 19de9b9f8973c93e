"""
The bulk service functions' shared steps: import, seeding and pruning.

Board posts and chat messages are imported, seeded and pruned the same way;
``board.services`` and ``chat.services`` say what differs (how a row is
checked, which fields make a retried write the same one) and call these.

Bulk writes differ from the one-row services in three ways: they move rows in
batches so that memory stays flat whatever the row count, they insert
explicit ids, which PostgreSQL's id sequences do not notice by themselves,
and they publish nothing (pages reload to show seeded rows, and pruned rows
are hidden ones, which pages no longer show).
"""

from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, islice

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count

from content import audit, markup, search
from content.services import clean_client_id, clean_display_name, text_fields


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


def import_rows(
    model,
    rows,
    *,
    clean,
    batch_size,
    progress,
    sequences=None,
):
    """
    Store exported rows of ``model``, all or nothing; return ``(added, skipped)``.

    ``model`` is a ``ModeratedContent`` (with ``author`` and ``client_id``).
    ``rows`` yields ``(label, row)`` pairs; ``clean(row)`` returns the row's
    field values, ids included, or raises ``ValidationError``. Every row is
    checked, and one ``ValidationError`` lists each problem under its label;
    the transaction then rolls back, so nothing is stored. A row whose id is
    already stored with the same ``created`` moment is skipped, and one whose
    id is stored with another is a conflict: the file comes from another site.

    The model's ``RETRY_KEY`` names the fields under which the one-row
    service stores a write with a ``client_id`` once; a row matching a stored
    one there is skipped too, so that importing a file twice adds nothing.

    ``progress(n)`` is called after each batch of ``n`` rows. Once all rows
    are stored, the id sequences of ``sequences`` (``model`` alone by
    default) move past the imported ids.
    """
    errors = []
    added = skipped = 0
    with transaction.atomic():
        for batch in batched(rows, batch_size):
            fields = []
            for label, row in batch:
                try:
                    fields.append((label, clean(row)))
                except ValidationError as error:
                    errors.extend(f"{label}: {m}" for m in _messages(error))
            new, duplicates, conflicts = _sort_imported(model, fields)
            errors.extend(conflicts)
            skipped += duplicates
            if not errors:
                model._default_manager.bulk_create([model(**f) for f in new])
                added += len(new)
            if progress is not None:
                progress(len(batch))
        if errors:
            raise ValidationError(errors)
        reset_sequences(*(sequences or (model,)))
    return added, skipped


def _messages(error):
    """Return ``error``'s messages, each prefixed by its field when it has one."""
    if hasattr(error, "error_dict"):
        return [f"{field}: {m}" for field, ms in error.message_dict.items() for m in ms]
    return error.messages


def _sort_imported(model, fields):
    """Split checked rows into new ones, a count of stored ones, and conflicts."""
    retry_key = model.RETRY_KEY
    rows = model._default_manager
    stored = dict(
        rows.filter(id__in=[f["id"] for _, f in fields]).values_list("id", "created")
    )

    def key(f):
        if not f["client_id"]:
            return None
        return tuple(f[name] for name in retry_key)

    keys = {k for _, f in fields if (k := key(f)) is not None}
    # ``__in`` never matches NULL, so a field that some key leaves empty (a
    # guest's author) cannot narrow the query.
    narrowing = {}
    for i, name in enumerate(retry_key):
        values = {k[i] for k in keys}
        if None not in values:
            narrowing[f"{name}__in"] = values
    used = set(rows.filter(**narrowing).values_list(*retry_key))
    new, duplicates, conflicts = [], 0, []
    for label, f in fields:
        k = key(f)
        if f["id"] in stored:
            if stored[f["id"]] != f["created"]:
                conflicts.append(
                    f"{label}: {model._meta.verbose_name} {f['id']} is already "
                    "stored with another date: this file does not come from this "
                    "site's export."
                )
            else:
                duplicates += 1
        elif k is not None and k in used:
            duplicates += 1
        else:
            new.append(f)
            stored[f["id"]] = f["created"]
            if k is not None:
                used.add(k)
    return new, duplicates, conflicts


def clean_imported(model, row, users, *, keep_unknown_authors):
    """
    Return the fields that posts and messages share of an exported ``row``,
    checked as the one-row services check them (``content.services``).
    """
    author_id, name = imported_author(
        row, users, keep_unknown_authors=keep_unknown_authors
    )
    return {
        "id": row["id"],
        "created": row["created"],
        "author_id": author_id,
        "display_name": clean_display_name(name),
        **text_fields(model, row.get(model.TEXT_FIELD)),
        "client_id": clean_client_id(row.get("client_id")),
        **imported_moderation(row, users),
    }


def imported_author(row, users, *, keep_unknown_authors):
    """
    Return ``(author_id, display_name)`` of an exported row, the name unchecked.

    An ``author`` unknown here is an error unless ``keep_unknown_authors``
    keeps the row as a guest's, under its display name or else the username.
    """
    name = row.get("display_name")
    if not row.get("author"):
        return None, name
    author_id = users.get(row["author"])
    if author_id is None and not keep_unknown_authors:
        raise ValidationError(
            {"author": f"there is no user {row['author']!r} on this site."}
        )
    return author_id, name or row["author"]


def imported_moderation(row, users):
    """
    Return the moderation fields of an exported row.

    An unknown ``hidden_by`` is dropped: the row stays hidden, by nobody known.
    """
    hidden = bool(row.get("hidden"))
    return {
        "hidden": hidden,
        "hidden_at": row.get("hidden_at") if hidden else None,
        "hidden_by_id": (
            users.get(row["hidden_by"]) if hidden and row.get("hidden_by") else None
        ),
    }


def seed_rows(model, fields, make_row, *, count, batch_size, progress):
    """
    Insert ``count`` rows from ``make_row()`` into ``model``, in one transaction.

    Rows go straight to ``executemany`` (``insert_rows``) in batches of
    ``batch_size``, skipping model instances; ``progress(n)`` is called after
    each batch of ``n`` rows.
    """
    with transaction.atomic(), search.indexed_in_bulk(model):
        for batch in batched(range(count), batch_size):
            insert_rows(model, fields, (make_row() for _ in batch))
            if progress is not None:
                progress(len(batch))


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


def prune_hidden(rows, *, hidden_before, dry_run):
    """
    Delete those of ``rows`` hidden before ``hidden_before``; return how many.

    With ``dry_run`` only count them. Rows of other models that the deletion
    cascades to are not counted.
    """
    doomed = rows.filter(hidden=True, hidden_at__lt=hidden_before)
    if dry_run:
        return doomed.count()
    with transaction.atomic():
        _total, per_model = doomed.delete()
        count = per_model.get(rows.model._meta.label, 0)
        if count:
            noun = rows.model._meta.verbose_name_plural
            audit.record(
                action="prune",
                by=None,
                via="command",
                target=f"{count} hidden {noun}",
                detail=f"hidden before {hidden_before.isoformat()}",
            )
    return count


def drop_retry_duplicates(model, key, *, text_field):
    """
    Make ``model``'s rows fit its retry constraint; return ``(deleted, cleared)``.

    For the migration that adds the constraint (``model`` may be a historical
    one): of the rows that share a client id under ``key`` (the model's
    ``RETRY_KEY``), the earliest stays as it is. A later
    one with the same text is a retry stored twice and is deleted; one with
    other text is a different write that reused the id, so it stays, without
    its client id.
    """
    rows = model._default_manager.filter(client_id__isnull=False)
    clashes = rows.order_by().values(*key).annotate(n=Count("id")).filter(n__gt=1)
    deleted = cleared = 0
    for clash in list(clashes):
        same = list(
            rows.filter(**{field: clash[field] for field in key})
            .order_by("id")
            .values_list("id", text_field)
        )
        first_text = same[0][1]
        copies = [pk for pk, text in same[1:] if text == first_text]
        others = [pk for pk, text in same[1:] if text != first_text]
        deleted += model._default_manager.filter(id__in=copies).delete()[0]
        cleared += model._default_manager.filter(id__in=others).update(client_id=None)
    return deleted, cleared


def render_stored(model, *, text_field, batch_size=2000):
    """
    Store the rendered HTML (``content.markup``) of every row of ``model``;
    return how many rows were rendered.

    For the migration that adds ``html`` (``model`` may be a historical one).
    Rows are read in keyset pages of ``batch_size`` (each page's query ends
    before its rows are written, which SQLite needs) and written with one
    ``executemany`` per page, so time grows linearly with the row count and
    memory stays flat. Texts repeat (seeded ones above all), so recent
    renders are remembered.
    """
    render = lru_cache(maxsize=4096)(markup.render)
    rows = model._default_manager.order_by("pk").values_list("pk", text_field)
    quote = connection.ops.quote_name
    # Only quoted identifiers from the model's metadata go into the text.
    sql = "UPDATE {} SET {} = %s WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        quote(model._meta.get_field("html").column),
        quote(model._meta.pk.column),
    )
    done, last = 0, None
    with connection.cursor() as cursor:
        while True:
            page = rows if last is None else rows.filter(pk__gt=last)
            batch = list(page[:batch_size])
            if not batch:
                return done
            cursor.executemany(sql, [(render(text), pk) for pk, text in batch])
            done += len(batch)
            last = batch[-1][0]
