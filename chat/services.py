"""
The only functions that create and moderate chat rooms and messages.

The WebSocket consumer, the room page's form, the REST API, the admin and the
management commands all call these. Each validates, writes in one transaction
and publishes to the room's channel-layer group on commit. Each event carries
the protocol frame already encoded as JSON text (``"text"``), so a message is
encoded once however many members the room has, and consumers forward it as
is (docs/protocol.md describes the frames):

- ``{"type": "chat.message", "id": N, "text": "..."}`` for a new, edited or
  unhidden message (an edited one carries ``edited_at``),
- ``{"type": "chat.delete", "id": N, "text": "..."}`` for a hidden or deleted
  message,
- ``{"type": "chat.clear", "text": "..."}`` when a moderator clears the room,
- ``{"type": "chat.room_deleted"}`` after that clear when the room is deleted:
  each member's connection closes with 4404.

A new message, or an edit, that names members with ``@username`` stores a
``Mention`` of each not yet named in the same transaction and, on commit,
hands a ``mention`` frame to the open chat pages of each (their personal
group, ``content.sockets``).
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from chat.models import Mention, Message, Room
from content import audit, bulk, queue
from content.bans import refuse_banned
from content.events import encode_frame, publish_on_commit, utc_iso
from content.markup import mentioned_usernames
from content.services import (
    Moderation,
    create_item,
    invalid,
    refuse_unstorable,
)
from content.sockets import notice_event, user_group

logger = logging.getLogger(__name__)

ARCHIVED = "This room is archived: it is read-only."


def clean_title(title):
    title = " ".join((title or "").split())
    if not title:
        raise invalid("title", "Give the room a title.", "empty")
    if len(title) > Room.TITLE_MAX_LENGTH:
        raise invalid(
            "title", f"Keep titles to {Room.TITLE_MAX_LENGTH} characters.", "too_long"
        )
    refuse_unstorable("title", title)
    return title


def serialize_message(message):
    """Return the wire form of a message (the protocol's ``message`` frame)."""
    return {
        "type": "message",
        "id": message.pk,
        "room": message.room.slug,
        "author": message.display_name,
        "guest": message.author_id is None,
        "text": message.text,
        "html": message.html,
        "created": utc_iso(message.created),
        "edited_at": utc_iso(message.edited_at) if message.edited_at else None,
        "client_id": message.client_id,
    }


def message_event(message):
    """Return the channel-layer event that delivers ``message`` to a room."""
    return {
        "type": "chat.message",
        "id": message.pk,
        "text": encode_frame(serialize_message(message)),
    }


def delete_event(message_id):
    return {
        "type": "chat.delete",
        "id": message_id,
        "text": encode_frame({"type": "delete", "id": message_id}),
    }


def clear_event():
    return {"type": "chat.clear", "text": encode_frame({"type": "clear"})}


def room_deleted_event():
    return {"type": "chat.room_deleted"}


# Addresses under /chat/ that are pages of their own, not rooms.
RESERVED_SLUGS = frozenset({"mentions", "search"})


def _unique_slug(title):
    base = slugify(title, allow_unicode=True)[: Room.SLUG_MAX_LENGTH - 8] or "room"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Room.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_room(*, title, created_by=None, address=None):
    """
    Create a room with a slug generated from any Unicode title; refuse a
    banned creator (``created_by``, or a guest at ``address``).
    """
    title = clean_title(title)
    if created_by is not None and not created_by.is_authenticated:
        created_by = None
    refuse_banned(user=created_by, address=address)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    slug=_unique_slug(title),
                    title=title,
                    created_by=created_by,
                    created=timezone.now(),
                )
        except IntegrityError:  # a concurrent create took the slug
            continue
        logger.info("room created", extra={"room": room.slug})
        return room
    raise invalid("title", "Could not find a free address for this room; try again.")


def rename_room(*, room, title, by):
    """Change a room's title (its slug, and so its address, stays)."""
    room.title = clean_title(title)
    room.save(update_fields=["title"])
    logger.info("room renamed", extra={"room": room.slug, "by": str(by)})
    return room


def others_wrote_in(room, user):
    """Return whether anyone but ``user`` (guests included) wrote in ``room``."""
    others = room.messages.all()
    if user is not None:
        others = others.exclude(author_id=user.pk)
    return others.exists()


def delete_room(*, room, by, via, reason=""):
    """
    Delete a room and its messages. Open pages are told the room is cleared,
    then their connections close with 4404, which tells them it is gone.

    Only a chat moderator deletes a room where others wrote: its creator
    gets ``PermissionDenied`` and may archive it instead (``archive_room``).
    """
    moderator = by is None or by.has_perm("chat.delete_message")
    if not moderator and others_wrote_in(room, by):
        raise PermissionDenied(
            "Other people wrote in this room, so only a moderator may delete "
            "it. Archive it instead: it becomes read-only and leaves the list."
        )
    with transaction.atomic():
        count = room.messages.count()
        audit.record(
            action="delete_room",
            by=by,
            via=via,
            targets=[room],
            reason=reason,
            detail=f"with {count} messages",
        )
        queue.resolve(Message, room.messages.values("id"), status="deleted", by=by)
        publish_on_commit(room.group_name, clear_event())
        publish_on_commit(room.group_name, room_deleted_event())
        room.delete()
    logger.info("room deleted", extra={"room": room.slug, "by": str(by)})


def archive_room(*, room, by, via, archived=True, reason=""):
    """Make ``room`` read-only and leave it out of the list (or undo that)."""
    if room.archived == archived:
        return room
    with transaction.atomic():
        room.archived = archived
        room.save(update_fields=["archived"])
        audit.record(
            action="archive" if archived else "unarchive",
            by=by,
            via=via,
            targets=[room],
            reason=reason,
        )
    logger.info(
        "room archived" if archived else "room unarchived",
        extra={"room": room.slug, "by": str(by)},
    )
    return room


def _shown(message):
    return message.room.group_name, message_event(message)


def _removed(message):
    return Room.group_for(message.room_id), delete_event(message.pk)


def post_message(
    *, room, text, author=None, display_name=None, client_id=None, address=None
):
    """
    Validate and store a message, broadcast it to the room on commit; return
    ``(message, created)``.

    A ``client_id`` the same sender already used in this room returns the
    message stored then, with ``created`` false, without storing or
    broadcasting it again. A guest's ``display_name`` may not pass for a
    member or the staff. An archived room refuses new messages
    (``archived``).
    """
    if room.archived:
        raise invalid("text", ARCHIVED, "archived")
    with transaction.atomic():
        message, created = create_item(
            Message,
            text=text,
            author=author,
            display_name=display_name,
            client_id=client_id,
            shown=_shown,
            address=address,
            room=room,
        )
        if created:
            _mention(message)
    return message, created


def mention_frame(message):
    """Return the ``mention`` frame that tells a member ``message`` names them."""
    return {
        "type": "mention",
        "id": message.pk,
        "room": message.room.slug,
        "room_title": message.room.title,
        "author": message.display_name,
        "guest": message.author_id is None,
        "text": message.text,
        "created": utc_iso(message.created),
        "url": message.get_absolute_url(),
    }


def _mention(message):
    """
    Store and announce the mentions in ``message`` (new or edited) of members
    it did not mention yet, its author excepted.
    """
    names = mentioned_usernames(message.text)
    if not names:
        return
    # "@ada." ends a sentence more often than it names "ada.".
    wanted = set(names) | {name.rstrip(".") for name in names}
    users = get_user_model().objects.filter(username__in=wanted, is_active=True)
    if message.author_id is not None:
        users = users.exclude(pk=message.author_id)
    users = users.exclude(chat_mentions__message=message)
    user_ids = list(users.values_list("pk", flat=True))
    if not user_ids:
        return
    Mention.objects.bulk_create(
        [Mention(message=message, user_id=user_id) for user_id in user_ids]
    )
    event = notice_event("mention", encode_frame(mention_frame(message)))
    for user_id in user_ids:
        publish_on_commit(user_group(user_id), event)


class MessageModeration(Moderation):
    """Chat's moderation services: an edit that names someone new mentions them."""

    def edit(self, item, text, *, by, via, reason=""):
        with transaction.atomic():
            item = super().edit(item, text, by=by, via=via, reason=reason)
            _mention(item)
        return item


# Hiding, unhiding, editing and deleting: the same for board and chat, apart
# from what pages are told (content.services.Moderation).
moderation = MessageModeration(
    Message, shown=_shown, removed=_removed, related=["room"]
)
hide_messages = moderation.hide
unhide_messages = moderation.unhide
edit_message = moderation.edit
delete_messages = moderation.delete


def clear_room(*, room, by, via, reason=""):
    """Hide every visible message of ``room``; return how many were hidden."""
    return moderation.clear(
        room.messages.all(),
        by=by,
        via=via,
        reason=reason,
        group=room.group_name,
        event=clear_event(),
        target=f"room {room.slug}",
    )


# Bulk writes for the operators' commands ---------------------------------------
#
# Import, seeding and pruning move thousands of rows at once. They validate as
# the one-row functions do but publish nothing: open rooms would have to reload
# to show seeded history anyway, and pruned messages are hidden ones, which
# rooms no longer show.


def import_messages(
    rows, *, keep_unknown_authors=False, batch_size=1000, progress=None
):
    """
    Store exported messages, all or nothing; return ``(added, skipped)``.

    ``rows`` yields ``(label, row)`` pairs. ``row`` is a message as ``manage.py
    export`` writes it, with typed values (``id``, ``room`` and ``room_title``,
    ``created`` as an aware datetime, ``author`` and ``hidden_by`` as
    usernames, ``display_name``, ``text``, ``client_id``, ``hidden``,
    ``hidden_at``); ``label`` names the row in error messages ("line 7").

    A room missing on this site is created with the exported slug and title.
    Every row is checked, and one ``ValidationError`` lists each bad row; the
    transaction then rolls back, so nothing is stored. A row whose id is
    already stored with the same ``created`` moment is the same message and is
    skipped, as is one its sender already sent to that room under the same
    ``client_id``: importing a file twice adds nothing. An unknown ``author``
    is an error unless ``keep_unknown_authors`` keeps the message as a guest's
    under its ``display_name``; an unknown ``hidden_by`` is dropped. No events
    are published.
    """
    users = bulk.UserIds()
    rooms = {}
    added, skipped = bulk.import_rows(
        Message,
        rows,
        clean=lambda row: _clean_imported_message(
            row, users, rooms, keep_unknown_authors
        ),
        batch_size=batch_size,
        progress=progress,
        sequences=(Room, Message),
    )
    logger.info("messages imported", extra={"added": added, "skipped": skipped})
    return added, skipped


def _imported_room_id(row, rooms):
    """Return the id of the row's room, creating the room if this site lacks it."""
    from django.core.validators import validate_unicode_slug

    slug = row.get("room") or ""
    if slug in rooms:
        return rooms[slug]
    try:
        validate_unicode_slug(slug)
    except ValidationError:
        raise invalid("room", f"{slug!r} is not a room address.") from None
    if len(slug) > Room.SLUG_MAX_LENGTH:
        raise invalid("room", f"keep addresses to {Room.SLUG_MAX_LENGTH} characters.")
    room_id = Room.objects.filter(slug=slug).values_list("id", flat=True).first()
    if room_id is None:
        title = clean_title(row.get("room_title") or slug)
        room_id = Room.objects.create(slug=slug, title=title, created=row["created"]).pk
        logger.info("room created by import", extra={"room": slug})
    rooms[slug] = room_id
    return room_id


def _clean_imported_message(row, users, rooms, keep_unknown_authors):
    fields = bulk.clean_imported(
        Message, row, users, keep_unknown_authors=keep_unknown_authors
    )
    return {**fields, "room_id": _imported_room_id(row, rooms)}


def seed_rooms(*, count, rng):
    """Create ``count`` demo rooms through ``create_room``; return them."""
    from content import demo

    titles = list(demo.ROOM_TITLES)
    rng.shuffle(titles)
    return [create_room(title=titles[i % len(titles)]) for i in range(count)]


def seed_messages(*, rooms, count, rng, batch_size=10_000, progress=None):
    """
    Insert ``count`` demo messages spread over ``rooms``, oldest first.

    Rows go straight to ``executemany`` in batches inside one transaction,
    skipping model instances. They are dated over the last 30 days, but never
    before the newest message already stored (``content.demo.timeline``).
    Nothing is published. Return the number inserted.
    """
    from content import demo

    if not rooms:
        raise ValidationError("Seeding messages needs at least one room.")
    room_ids = [room.pk for room in rooms]
    newest = Message.objects.order_by("-id").values_list("created", flat=True).first()
    moments = demo.timeline(count, after=newest)
    bulk.seed_rows(
        Message,
        ("room", "display_name", "text", "html", "created", "hidden"),
        lambda: (
            rng.choice(room_ids),
            demo.name(rng),
            *demo.sentence_and_html(rng),
            next(moments),
            False,
        ),
        count=count,
        batch_size=batch_size,
        progress=progress,
    )
    logger.info("demo messages seeded", extra={"count": count})
    return count


def prune_messages(*, hidden_before, room=None, dry_run=False):
    """
    Delete messages hidden before ``hidden_before`` (in ``room`` if given).

    Return how many; with ``dry_run`` only count them. Rooms no longer show
    hidden messages, so nothing is published.
    """
    rows = Message.objects.all() if room is None else Message.objects.filter(room=room)
    count = bulk.prune_hidden(rows, hidden_before=hidden_before, dry_run=dry_run)
    if not dry_run:
        logger.info("messages pruned", extra={"count": count})
    return count
