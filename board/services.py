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

import json
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from board.models import Post
from netsite.events import publish_on_commit

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
        "created": post.created.isoformat().replace("+00:00", "Z"),
        "html": render_to_string("board/_post.html", {"post": post}),
    }


def _encode(frame):
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _post_event(post):
    return {
        "type": "board.post",
        "text": _encode({"type": "post", **serialize_post(post)}),
    }


def _publish_deleted(ids):
    for post_id in ids:
        publish_on_commit(
            BOARD_GROUP,
            {
                "type": "board.delete",
                "text": _encode({"type": "delete", "id": post_id}),
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


def _ids(posts):
    """Accept a queryset, a list of posts or a list of ids; return the ids."""
    if isinstance(posts, Post):
        return [posts.pk]
    return [getattr(p, "pk", p) for p in posts]


def hide_posts(*, posts, by):
    """Hide the visible ones of ``posts``; return how many were hidden."""
    with transaction.atomic():
        targets = Post.objects.filter(id__in=_ids(posts), hidden=False)
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
            Post.objects.filter(id__in=_ids(posts), hidden=True).values_list(
                "id", flat=True
            )
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
        ids = list(Post.objects.filter(id__in=_ids(posts)).values_list("id", flat=True))
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
            BOARD_GROUP, {"type": "board.clear", "text": _encode({"type": "clear"})}
        )
    logger.info("board cleared", extra={"hidden": count, "by": str(by)})
    return count
