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

from board.fragments import post_html
from board.models import Post
from content import bulk
from content.events import encode_frame, utc_iso
from content.services import (
    Moderation,
    create_item,
)

logger = logging.getLogger(__name__)

BOARD_GROUP = "board"


def serialize_post(post):
    """Return the event payload of a post, including its rendered HTML."""
    return {
        "id": post.pk,
        "author": post.display_name,
        "guest": post.author_id is None,
        "body": post.body,
        "created": utc_iso(post.created),
        "html": post_html(post),
    }


def _post_event(post):
    return {
        "type": "board.post",
        "text": encode_frame({"type": "post", **serialize_post(post)}),
    }


def _shown(post):
    return BOARD_GROUP, _post_event(post)


def _removed(post):
    frame = encode_frame({"type": "delete", "id": post.pk})
    return BOARD_GROUP, {"type": "board.delete", "text": frame}


def create_post(*, body, author=None, display_name=None, client_id=None, address=None):
    """
    Validate and store a post, publish it on commit; return ``(post, created)``.

    ``author`` is a user or ``None`` for a guest, who may choose
    ``display_name`` (not one that passes for a member or the staff);
    ``address`` is the writer's (see ``create_item``). A ``client_id`` that
    the same author (or any guest) already used returns the post stored then,
    with ``created`` false, instead of a second copy.
    """
    post, created = create_item(
        Post,
        text=body,
        author=author,
        display_name=display_name,
        client_id=client_id,
        shown=_shown,
        address=address,
    )
    if created:
        logger.info(
            "post created", extra={"post_id": post.pk, "author": post.display_name}
        )
    return post, created


# Hiding, unhiding, editing and deleting: the same for board and chat, apart
# from what pages are told (content.services.Moderation).
moderation = Moderation(Post, shown=_shown, removed=_removed)
hide_posts = moderation.hide
unhide_posts = moderation.unhide
edit_post = moderation.edit
delete_posts = moderation.delete


def clear_board(*, by, via, reason=""):
    """Hide every visible post (the board's "clear messages"); return the count."""
    event = {"type": "board.clear", "text": encode_frame({"type": "clear"})}
    return moderation.clear(
        Post.objects,
        by=by,
        via=via,
        reason=reason,
        group=BOARD_GROUP,
        event=event,
        target="the board",
    )


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
    users = bulk.UserIds()
    added, skipped = bulk.import_rows(
        Post,
        rows,
        clean=lambda row: bulk.clean_imported(
            Post, row, users, keep_unknown_authors=keep_unknown_authors
        ),
        batch_size=batch_size,
        progress=progress,
    )
    logger.info("posts imported", extra={"added": added, "skipped": skipped})
    return added, skipped


def seed_posts(*, count, rng, batch_size=10_000, progress=None):
    """
    Insert ``count`` demo posts by guests, oldest first, in one transaction.

    Rows go straight to ``executemany`` in batches, skipping model instances:
    a million posts take seconds on SQLite instead of most of a minute with
    ``bulk_create``. They are dated over the last 30 days, but never before
    the newest post already stored (``content.demo.timeline``). Nothing is
    published. Return the number inserted.
    """
    from content import demo

    newest = Post.objects.order_by("-id").values_list("created", flat=True).first()
    moments = demo.timeline(count, after=newest)
    bulk.seed_rows(
        Post,
        ("body", "html", "display_name", "created", "hidden"),
        lambda: (*demo.sentence_and_html(rng), demo.name(rng), next(moments), False),
        count=count,
        batch_size=batch_size,
        progress=progress,
    )
    logger.info("demo posts seeded", extra={"count": count})
    return count


def prune_posts(*, hidden_before, dry_run=False):
    """
    Delete posts hidden before ``hidden_before``; return how many.

    With ``dry_run`` only count them. Pages no longer show hidden posts, so
    nothing is published.
    """
    count = bulk.prune_hidden(
        Post.objects.all(), hidden_before=hidden_before, dry_run=dry_run
    )
    if not dry_run:
        logger.info("posts pruned", extra={"count": count})
    return count
