"""
The only functions that create, hide, unhide and delete board posts.

The board form, the REST API, the admin and the management commands all call
these. Each validates, writes in one transaction and publishes an event to
the ``board`` channel-layer group on commit, which the live board stream
(``/ws/board/``) forwards to open pages. Each event carries its protocol frame
already encoded as JSON text, so it is encoded once for all listeners:

- ``{"type": "board.post", "text": "..."}`` for a new (or unhidden) post,
- ``{"type": "board.delete", "text": "..."}`` for each hidden or deleted post,
- ``{"type": "board.clear", "text": "..."}`` when a moderator clears the board.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from board.models import Post
from netsite.events import encode_frame, publish_on_commit, utc_iso

logger = logging.getLogger(__name__)

BOARD_GROUP = "board"


def clean_body(body):
    """Return the trimmed body, or raise ValidationError saying what is wrong."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something before posting."})
    if len(body) > Post.BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": f"Keep posts to {Post.BODY_MAX_LENGTH:,} characters "
                f"(this one has {len(body):,})."
            }
        )
    return body


def clean_display_name(name):
    """Return a guest's trimmed display name, ``guest`` when empty."""
    name = " ".join((name or "").split())
    if len(name) > Post.NAME_MAX_LENGTH:
        raise ValidationError(
            {"display_name": f"Keep names to {Post.NAME_MAX_LENGTH} characters."}
        )
    return name or Post.GUEST_NAME


def serialize_post(post):
    """Return the event payload of a post, including its rendered HTML."""
    return {
        "id": post.pk,
        "author": post.display_name,
        "body": post.body,
        "created": utc_iso(post.created),
        "html": render_to_string("board/_post.html", {"post": post}),
    }


def _post_event(post):
    return {
        "type": "board.post",
        "text": encode_frame({"type": "post", **serialize_post(post)}),
    }


def _publish_deleted(ids):
    for post_id in ids:
        publish_on_commit(
            BOARD_GROUP,
            {
                "type": "board.delete",
                "text": encode_frame({"type": "delete", "id": post_id}),
            },
        )


def create_post(*, body, author=None, display_name=None, client_id=None):
    """
    Validate and store a post, then publish it on commit.

    ``author`` is a user or ``None`` for a guest, who may choose
    ``display_name``. A ``client_id`` that the same author already used
    returns the post stored then instead of a second copy.
    """
    body = clean_body(body)
    if author is not None and author.is_authenticated:
        name = author.get_username()[: Post.NAME_MAX_LENGTH]
    else:
        author = None
        name = clean_display_name(display_name)
    if client_id is not None:
        client_id = client_id.strip()
        if not client_id or len(client_id) > 64:
            raise ValidationError({"client_id": "Use 1 to 64 characters."})
    with transaction.atomic():
        if client_id is not None and author is not None:
            existing = Post.objects.filter(author=author, client_id=client_id).first()
            if existing is not None:
                return existing
        post = Post.objects.create(
            body=body,
            author=author,
            display_name=name,
            client_id=client_id,
            created=timezone.now(),
        )
        publish_on_commit(BOARD_GROUP, _post_event(post))
    logger.info("post created", extra={"post_id": post.pk, "author": name})
    return post


def edit_post(*, post, body, by):
    """Replace a post's body; open pages receive it again under the same id."""
    post.body = clean_body(body)
    with transaction.atomic():
        post.save(update_fields=["body"])
        publish_on_commit(BOARD_GROUP, _post_event(post))
    logger.info("post edited", extra={"post_id": post.pk, "by": str(by)})
    return post


def hide_posts(*, posts, by):
    """Hide the visible ones of ``posts``; return how many were hidden."""
    with transaction.atomic():
        targets = Post.objects.matching(posts).filter(hidden=False)
        ids = list(targets.values_list("id", flat=True))
        Post.objects.filter(id__in=ids).update(
            hidden=True, hidden_at=timezone.now(), hidden_by=by
        )
        _publish_deleted(ids)
    logger.info("posts hidden", extra={"post_ids": ids, "by": str(by)})
    return len(ids)


def unhide_posts(*, posts, by):
    """Show hidden ``posts`` again; return how many were restored."""
    with transaction.atomic():
        ids = list(
            Post.objects.matching(posts)
            .filter(hidden=True)
            .values_list("id", flat=True)
        )
        Post.objects.filter(id__in=ids).update(
            hidden=False, hidden_at=None, hidden_by=None
        )
        for post in Post.objects.filter(id__in=ids).order_by("id"):
            publish_on_commit(BOARD_GROUP, _post_event(post))
    logger.info("posts unhidden", extra={"post_ids": ids, "by": str(by)})
    return len(ids)


def delete_posts(*, posts, by):
    """Delete ``posts`` for good; return how many were deleted."""
    with transaction.atomic():
        ids = list(Post.objects.matching(posts).values_list("id", flat=True))
        Post.objects.filter(id__in=ids).delete()
        _publish_deleted(ids)
    logger.info("posts deleted", extra={"post_ids": ids, "by": str(by)})
    return len(ids)


def clear_board(*, by):
    """Hide every visible post (the board's "clear messages"); return the count."""
    with transaction.atomic():
        count = Post.objects.visible().update(
            hidden=True, hidden_at=timezone.now(), hidden_by=by
        )
        publish_on_commit(
            BOARD_GROUP,
            {"type": "board.clear", "text": encode_frame({"type": "clear"})},
        )
    logger.info("board cleared", extra={"hidden": count, "by": str(by)})
    return count


# Bulk writes for the operators' commands ---------------------------------------
#
# Import, seeding and pruning move thousands of rows at once. They validate as
# the one-row functions do but publish nothing: a page would have to reload to
# show a million seeded posts anyway, and pruned posts are hidden ones, which
# pages no longer show.


def import_posts(rows, *, keep_unknown_authors=False, batch_size=1000, progress=None):
    """
    Store exported posts, all or nothing; return ``(added, skipped)``.

    ``rows`` yields ``(label, row)`` pairs. ``row`` is a post as ``manage.py
    export`` writes it, with typed values (``id``, ``created`` as an aware
    datetime, ``author`` and ``hidden_by`` as usernames, ``display_name``,
    ``body``, ``client_id``, ``hidden``, ``hidden_at``); ``label`` names the
    row in error messages ("line 7").

    Every row is checked, and one ``ValidationError`` lists each bad row; the
    transaction then rolls back, so nothing is stored. A row whose id is
    already stored with the same ``created`` moment is the same post and is
    skipped, as is one whose author already used its ``client_id``: importing
    a file twice adds nothing. An ``author`` missing on this site is an error,
    unless ``keep_unknown_authors`` keeps the post as a guest's under its
    ``display_name``; an unknown ``hidden_by`` is dropped (the post stays
    hidden). No events are published.
    """
    from netsite.bulk import UserIds, batched, reset_sequences

    users = UserIds()
    errors = []
    added = skipped = 0
    with transaction.atomic():
        for batch in batched(rows, batch_size):
            fields = []
            for label, row in batch:
                try:
                    fields.append(
                        (label, _clean_imported_post(row, users, keep_unknown_authors))
                    )
                except ValidationError as error:
                    errors.extend(f"{label}: {m}" for m in _messages(error))
            new, duplicates, conflicts = _sort_imported_posts(fields)
            errors.extend(conflicts)
            skipped += duplicates
            if not errors:
                Post.objects.bulk_create([Post(**f) for f in new])
                added += len(new)
            if progress is not None:
                progress(len(batch))
        if errors:
            raise ValidationError(errors)
        reset_sequences(Post)
    logger.info("posts imported", extra={"added": added, "skipped": skipped})
    return added, skipped


def _messages(error):
    """Return ``error``'s messages, each prefixed by its field when it has one."""
    if hasattr(error, "error_dict"):
        return [f"{field}: {m}" for field, ms in error.message_dict.items() for m in ms]
    return error.messages


def _clean_imported_post(row, users, keep_unknown_authors):
    body = clean_body(row.get("body"))
    author_id = None
    name = row.get("display_name")
    if row.get("author"):
        author_id = users.get(row["author"])
        if author_id is None and not keep_unknown_authors:
            raise ValidationError(
                {"author": f"there is no user {row['author']!r} on this site."}
            )
        name = name or row["author"]
    name = clean_display_name(name)
    client_id = row.get("client_id")
    if client_id is not None and not 0 < len(client_id) <= 64:
        raise ValidationError({"client_id": "Use 1 to 64 characters."})
    hidden = bool(row.get("hidden"))
    return {
        "id": row["id"],
        "created": row["created"],
        "author_id": author_id,
        "display_name": name,
        "body": body,
        "client_id": client_id,
        "hidden": hidden,
        "hidden_at": row.get("hidden_at") if hidden else None,
        "hidden_by_id": (
            users.get(row["hidden_by"]) if hidden and row.get("hidden_by") else None
        ),
    }


def _sort_imported_posts(fields):
    """Split checked rows into new ones, a count of stored ones, and conflicts."""
    stored = dict(
        Post.objects.filter(id__in=[f["id"] for _, f in fields]).values_list(
            "id", "created"
        )
    )
    keys = {(f["author_id"], f["client_id"]) for _, f in fields if f["client_id"]}
    used = set(
        Post.objects.filter(
            author_id__in={a for a, _ in keys if a is not None},
            client_id__in={c for _, c in keys},
        ).values_list("author_id", "client_id")
    )
    new, duplicates, conflicts = [], 0, []
    for label, f in fields:
        key = (f["author_id"], f["client_id"])
        if f["id"] in stored:
            if stored[f["id"]] != f["created"]:
                conflicts.append(
                    f"{label}: post {f['id']} is already stored with another "
                    "date: this file does not come from this site's export."
                )
            else:
                duplicates += 1
        elif f["author_id"] is not None and f["client_id"] and key in used:
            duplicates += 1
        else:
            new.append(f)
            stored[f["id"]] = f["created"]
            if f["author_id"] is not None and f["client_id"]:
                used.add(key)
    return new, duplicates, conflicts


def seed_posts(*, count, rng, batch_size=10_000, progress=None):
    """
    Insert ``count`` demo posts by guests, oldest first, in one transaction.

    Rows go straight to ``executemany`` in batches, skipping model instances:
    a million posts take seconds on SQLite instead of most of a minute with
    ``bulk_create``. Nothing is published. Return the number inserted.
    """
    from netsite import demo
    from netsite.bulk import batched, insert_rows

    moments = demo.timeline(count)
    with transaction.atomic():
        for batch in batched(range(count), batch_size):
            insert_rows(
                Post,
                ("body", "display_name", "created", "hidden"),
                (
                    (demo.sentence(rng), demo.name(rng), next(moments), False)
                    for _ in batch
                ),
            )
            if progress is not None:
                progress(len(batch))
    logger.info("demo posts seeded", extra={"count": count})
    return count


def prune_posts(*, hidden_before, dry_run=False):
    """
    Delete posts hidden before ``hidden_before``; return how many.

    With ``dry_run`` only count them. Pages no longer show hidden posts, so
    nothing is published.
    """
    doomed = Post.objects.filter(hidden=True, hidden_at__lt=hidden_before)
    if dry_run:
        return doomed.count()
    with transaction.atomic():
        _total, per_model = doomed.delete()
    count = per_model.get(Post._meta.label, 0)
    logger.info("posts pruned", extra={"count": count})
    return count
