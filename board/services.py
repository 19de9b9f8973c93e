"""
The only functions that create, hide, unhide and delete board posts.

The board form, the REST API, the admin and the management commands all call
these. Each validates, writes in one transaction and publishes an event on
commit, which the live streams forward to open pages: the ``board`` group
(``/ws/board/``, the list of topics) hears of topics, and a topic's own group
(``board.topic.<id>``, ``/ws/board/t/<id>/``) of its replies. Each event
carries its protocol frame already encoded as JSON text, so it is encoded once
for all listeners:

- ``{"type": "board.post", "text": "..."}`` for a new, edited or unhidden post
  (same id: pages replace what they show): a topic's line to ``board``, a
  reply to its topic's group,
- ``{"type": "board.topic", "text": "..."}`` to ``board`` when a topic's
  replies changed: a new reply, or one hidden, unhidden or deleted (its line,
  with the new count, last poster and last activity),
- ``{"type": "board.delete", "text": "..."}`` for each hidden or deleted post,
- ``{"type": "board.clear", "text": "..."}`` when a moderator clears the board.

A topic's first post is also on its topic's page: when it is edited, hidden,
unhidden or deleted, the topic's group hears of it too (a ``post`` frame with
the post as that page shows it, or a ``delete`` frame).

A topic is its first post (``Post.topic`` empty); the starter row carries the
topic's title, reply count, last activity and last poster, which each reply
updates in the reply's own transaction with ``F()`` expressions, so that
concurrent replies never lose a count.
"""

import logging

from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest

from board.fragments import post_html, render_posts
from board.models import Post, title_from_body
from content import bulk, pages
from content.events import encode_frame, publish_on_commit, utc_iso
from content.moderators import can_delete
from content.services import (
    ChangeRefused,
    Moderation,
    clean_text,
    create_item,
    invalid,
    refuse_unstorable,
)

logger = logging.getLogger(__name__)

BOARD_GROUP = "board"
# Pages of the board are cached until an event in it (content.pages).
pages.keep_versions(BOARD_GROUP)


def newest_post_id():
    """The newest post's id (hidden or not): part of a cached page's key."""
    # Read on every view of a cached page: one plain query, no ORM on top.
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM board_post")
        return cursor.fetchone()[0]


NO_TOPIC = "There is no topic {id}: it may have been hidden or deleted."


def topic_group(topic_id):
    """The channel-layer group of one topic's open pages."""
    return f"board.topic.{topic_id}"


def serialize_post(post):
    """Return the event payload of a post, including its rendered HTML."""
    payload = {
        "id": post.pk,
        "topic": post.topic_id,
        "author": post.display_name,
        "author_username": post.author_username,
        "guest": post.author_id is None,
        "body": post.body,
        "created": utc_iso(post.created),
        "edited_at": utc_iso(post.edited_at) if post.edited_at else None,
    }
    if post.is_topic:
        payload.update(topic_summary(post))
    return {**payload, "html": post_html(post)}


def topic_summary(starter):
    """Return what the board's line of a topic says about it."""
    return {
        "title": starter.title,
        "replies": starter.reply_count,
        "last_poster": starter.last_poster,
        "last_activity": utc_iso(starter.last_activity or starter.created),
    }


def _post_event(post):
    return {
        "type": "board.post",
        "text": encode_frame({"type": "post", **serialize_post(post)}),
    }


def _group_of(post):
    return BOARD_GROUP if post.is_topic else topic_group(post.topic_id)


def _shown(post):
    return _group_of(post), _post_event(post)


def _removed(post):
    frame = encode_frame({"type": "delete", "id": post.pk})
    return _group_of(post), {"type": "board.delete", "text": frame}


def _on_topic_page(post, *, shown):
    """The event that shows (or removes) a topic's first post on its own page."""
    group = topic_group(post.pk)
    if not shown:
        return group, _removed(post)[1]
    frame = {"type": "post", **serialize_post(post)}
    frame["html"] = render_posts([post], kind="post")
    return group, {"type": "board.post", "text": encode_frame(frame)}


def _topic_event(starter):
    frame = {"type": "topic", "id": starter.pk, **topic_summary(starter)}
    frame["html"] = post_html(starter)
    return {"type": "board.topic", "text": encode_frame(frame)}


def clean_title(title, body):
    """Return a new topic's title: the one given, else the body's first line."""
    title = " ".join((title or "").split())
    if len(title) > Post.TITLE_MAX_LENGTH:
        raise invalid(
            "title",
            f"Keep titles to {Post.TITLE_MAX_LENGTH} characters "
            f"(this one has {len(title)}).",
            "too_long",
        )
    refuse_unstorable("title", title)
    return title or title_from_body(clean_text(Post, body))


def _open_topic(topic):
    """Return the visible topic starter ``topic`` (a post or its id), locked."""
    topic_id = getattr(topic, "pk", topic)
    if not isinstance(topic_id, int) or isinstance(topic_id, bool):
        raise invalid("topic", "Name the topic by its number.", "invalid")
    starter = (
        Post.objects.select_for_update()
        .filter(pk=topic_id, topic__isnull=True, hidden=False)
        .only("id")
        .first()
    )
    if starter is None:
        raise invalid("topic", NO_TOPIC.format(id=topic_id), "no_topic")
    return starter


def _start_topic(post):
    # A new topic's activity is its first post.
    post.last_activity = post.created
    post.last_poster = post.display_name


def _count_reply(starter, reply):
    """Count ``reply`` on its topic's starter row, race-free, and tell the board."""
    Post.objects.filter(pk=starter.pk).update(
        reply_count=F("reply_count") + 1,
        last_poster=Case(
            When(last_activity__lte=reply.created, then=Value(reply.display_name)),
            default=F("last_poster"),
        ),
        last_activity=Greatest(F("last_activity"), Value(reply.created)),
    )
    starter = Post.objects.get(pk=starter.pk)
    publish_on_commit(BOARD_GROUP, _topic_event(starter))


def create_post(
    *,
    body,
    author=None,
    display_name=None,
    client_id=None,
    address=None,
    topic=None,
    title=None,
):
    """
    Validate and store a post, publish it on commit; return ``(post, created)``.

    Without ``topic`` the post starts a new topic, called ``title`` (by
    default its body's first line); with ``topic`` (a topic's first post, or
    its id) it replies to that topic, which must exist and be visible, and
    takes no title. ``author`` is a user or ``None`` for a guest, who may
    choose ``display_name`` (not one that passes for a member or the staff);
    ``address`` is the writer's (see ``create_item``). A ``client_id`` that
    the same author (or any guest) already used returns the post stored then,
    with ``created`` false, instead of a second copy.
    """
    fields = {}
    if topic is None:
        fields["title"] = clean_title(title, body)
    elif title:
        raise invalid(
            "title", "A reply has no title of its own: leave it out.", "invalid"
        )
    with transaction.atomic():
        starter = _open_topic(topic) if topic is not None else None
        post, created = create_item(
            Post,
            text=body,
            author=author,
            display_name=display_name,
            client_id=client_id,
            shown=_shown,
            address=address,
            topic=starter,
            prepare=_start_topic if starter is None else None,
            **fields,
        )
        if created and starter is not None:
            _count_reply(starter, post)
    if created:
        logger.info(
            "post created",
            extra={
                "post_id": post.pk,
                "topic_id": post.topic_id,
                "author": post.display_name,
            },
        )
    return post, created


class PostModeration(Moderation):
    """
    ``Moderation`` of posts, which keeps topics whole: hiding, showing or
    deleting a reply counts its topic's replies again and sends the board the
    topic's new line, and deleting a topic's first post deletes (and logs) its
    replies with it. What happens to a topic's first post reaches its topic's
    page as well as the board.
    """

    def _announce(self, items, event_of):
        super()._announce(items, event_of)
        shown = event_of is self.shown
        for item in items:
            if item.is_topic:
                publish_on_commit(*_on_topic_page(item, shown=shown))

    def hide(self, items, **kwargs):
        with transaction.atomic():
            count = super().hide(items, **kwargs)
            recount_topics(items, announce=True)
        return count

    def unhide(self, items, **kwargs):
        with transaction.atomic():
            count = super().unhide(items, **kwargs)
            recount_topics(items, announce=True)
        return count

    def delete(self, items, *, by, **kwargs):
        ids = [getattr(item, "pk", item) for item in items]
        with transaction.atomic():
            topics = set(
                Post.objects.filter(pk__in=ids).values_list("topic_id", flat=True)
            )
            replies = Post.objects.filter(topic_id__in=ids)
            if (
                by is not None
                and not can_delete(by, Post)
                and replies.exclude(author=by).exists()
            ):
                # As with a room: what others wrote is not the author's to
                # delete.
                raise ChangeRefused(
                    "Others replied to this topic, so only a moderator may "
                    "delete it: edit your post instead.",
                    "forbidden",
                )
            replies = replies.values_list("id", flat=True)
            count = super().delete([*ids, *replies], by=by, **kwargs)
            recount_topics(topics - {None}, announce=True)
        return count


def recount_topics(items, *, announce=False):
    """
    Count again the visible replies and the last activity of the topics of
    ``items`` (posts or ids, starters or replies), from their posts; with
    ``announce``, send the board the new line of each visible one on commit.
    """
    ids = [getattr(item, "pk", item) for item in items]
    rows = Post.objects.filter(pk__in=ids).values_list("id", "topic_id")
    topic_ids = {topic_id or post_id for post_id, topic_id in rows}
    for starter in Post.objects.select_for_update().filter(
        pk__in=topic_ids, topic__isnull=True
    ):
        replies = Post.objects.visible().filter(topic_id=starter.pk)
        latest = replies.order_by("-created", "-id").first() or starter
        Post.objects.filter(pk=starter.pk).update(
            reply_count=replies.count(),
            last_activity=latest.created,
            last_poster=latest.display_name,
        )
        if announce and not starter.hidden:
            starter.refresh_from_db()
            publish_on_commit(BOARD_GROUP, _topic_event(starter))


# Hiding, unhiding, editing and deleting: the same for board and chat, apart
# from what pages are told (content.services.Moderation).
moderation = PostModeration(Post, shown=_shown, removed=_removed, related=["author"])
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
    ``body``, ``client_id``, ``hidden``, ``hidden_at``, and ``topic`` for a
    reply or ``title`` for a topic's first post); ``label`` names the row in
    error messages ("line 7").

    Every row is checked, and one ``ValidationError`` lists each bad row; the
    transaction then rolls back, so nothing is stored. A row whose id is
    already stored with the same ``created`` moment is the same post and is
    skipped, as is one whose author already used its ``client_id``: importing
    a file twice adds nothing. An ``author`` missing on this site is an error,
    unless ``keep_unknown_authors`` keeps the post as a guest's under its
    ``display_name``; an unknown ``hidden_by`` is dropped (the post stays
    hidden). A reply's topic must come earlier in the file or be stored
    already; the topics replied to are counted again. No events are
    published.
    """
    users = bulk.UserIds()
    topics = _ImportedTopics()
    with transaction.atomic():
        added, skipped = bulk.import_rows(
            Post,
            rows,
            clean=lambda row: topics.clean(
                bulk.clean_imported(
                    Post, row, users, keep_unknown_authors=keep_unknown_authors
                ),
                row,
            ),
            batch_size=batch_size,
            progress=progress,
        )
        recount_topics(topics.replied)
        pages.bump(BOARD_GROUP)
    logger.info("posts imported", extra={"added": added, "skipped": skipped})
    return added, skipped


class _ImportedTopics:
    """The topic fields of imported posts, and the topics they reply to."""

    def __init__(self):
        self.starters = set()  # the file's topics so far
        self.replied = set()

    def clean(self, fields, row):
        topic = row.get("topic")
        if topic is None:
            self.starters.add(fields["id"])
            return {
                **fields,
                "title": clean_title(row.get("title"), fields["body"]),
                "last_activity": fields["created"],
                "last_poster": fields["display_name"],
            }
        if row.get("title"):
            raise invalid("title", "a reply has no title of its own.")
        if topic not in self.starters:
            if not Post.objects.filter(pk=topic, topic__isnull=True).exists():
                raise invalid(
                    "topic",
                    f"there is no topic {topic}, neither earlier in the file "
                    "nor on this site.",
                )
            self.starters.add(topic)
        self.replied.add(topic)
        return {**fields, "topic_id": topic}


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
    fields = ("body", "html", "display_name", "created", "hidden")
    fields += ("title", "last_activity", "last_poster")

    def row():
        # Each demo post starts a topic of its own.
        body, html = demo.sentence_and_html(rng)
        name, moment = demo.name(rng), next(moments)
        return body, html, name, moment, False, title_from_body(body), moment, name

    bulk.seed_rows(
        Post,
        fields,
        row,
        count=count,
        batch_size=batch_size,
        progress=progress,
    )
    pages.bump(BOARD_GROUP)
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
        pages.bump(BOARD_GROUP)
        logger.info("posts pruned", extra={"count": count})
    return count
