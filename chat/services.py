"""
The only functions that create and moderate chat rooms and messages.

The WebSocket consumer, the room page's form, the REST API, the admin and the
management commands all call these. Each validates, writes in one transaction
and publishes to the room's channel-layer group on commit. Each event carries
the protocol frame already encoded as JSON text (``"text"``), so a message is
encoded once however many members the room has, and consumers forward it as
is (docs/protocol.md describes the frames):

- ``{"type": "chat.message", "id": N, "text": "..."}`` for a new, edited or
  unhidden message,
- ``{"type": "chat.delete", "id": N, "text": "..."}`` for a hidden or deleted
  message,
- ``{"type": "chat.clear", "text": "..."}`` when a moderator clears the room.
"""

import json
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from chat.models import Message, Room
from netsite.events import publish_on_commit

logger = logging.getLogger(__name__)

GUEST_NAME = "guest"


def clean_text(text):
    """Return the trimmed message text, or raise ValidationError(code=...)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write something before sending.", code="empty")
    if len(text) > Message.TEXT_MAX_LENGTH:
        raise ValidationError(
            f"Keep messages to {Message.TEXT_MAX_LENGTH:,} characters "
            f"(this one has {len(text):,}).",
            code="too_long",
        )
    return text


def clean_title(title):
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError("Give the room a title.", code="empty")
    if len(title) > Room.TITLE_MAX_LENGTH:
        raise ValidationError(
            f"Keep titles to {Room.TITLE_MAX_LENGTH} characters.", code="too_long"
        )
    return title


def _display_name(author, display_name):
    if author is not None and author.is_authenticated:
        return author, author.get_username()[: Message.NAME_MAX_LENGTH]
    name = " ".join((display_name or "").split())
    if len(name) > Message.NAME_MAX_LENGTH:
        raise ValidationError(
            f"Keep names to {Message.NAME_MAX_LENGTH} characters.", code="too_long"
        )
    return None, name or GUEST_NAME


def serialize_message(message):
    """Return the wire form of a message (the protocol's ``message`` frame)."""
    return {
        "type": "message",
        "id": message.pk,
        "room": message.room.slug,
        "author": message.display_name,
        "text": message.text,
        "created": message.created.isoformat().replace("+00:00", "Z"),
        "client_id": message.client_id,
    }


def encode_frame(frame):
    """Return ``frame`` as the compact JSON text sent on the wire."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


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


def _unique_slug(title):
    base = slugify(title, allow_unicode=True)[: Room.SLUG_MAX_LENGTH - 8] or "room"
    slug, n = base, 1
    while Room.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_room(*, title, created_by=None):
    """Create a room with a slug generated from any Unicode title."""
    title = clean_title(title)
    if created_by is not None and not created_by.is_authenticated:
        created_by = None
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
    raise ValidationError("Could not find a free address for this room; try again.")


def rename_room(*, room, title, by):
    """Change a room's title (its slug, and so its address, stays)."""
    room.title = clean_title(title)
    room.save(update_fields=["title"])
    logger.info("room renamed", extra={"room": room.slug, "by": str(by)})
    return room


def delete_room(*, room, by):
    """Delete a room and its messages; open pages are told the room is cleared."""
    with transaction.atomic():
        publish_on_commit(room.group_name, clear_event())
        room.delete()
    logger.info("room deleted", extra={"room": room.slug, "by": str(by)})


def post_message(*, room, text, author=None, display_name=None, client_id=None):
    """
    Validate and store a message, then broadcast it to the room on commit.

    A ``client_id`` the same sender already used in this room returns the
    message stored then, without storing or broadcasting it again.
    """
    text = clean_text(text)
    author, name = _display_name(author, display_name)
    if client_id is not None and (
        not isinstance(client_id, str)
        or not 0 < len(client_id) <= Message.CLIENT_ID_MAX_LENGTH
    ):
        raise ValidationError(
            "client_id must be a string of 1 to 64 characters.", code="bad_client_id"
        )
    with transaction.atomic():
        if client_id is not None:
            existing = Message.objects.filter(
                room=room, author=author, display_name=name, client_id=client_id
            ).first()
            if existing is not None:
                return existing
        message = Message.objects.create(
            room=room,
            author=author,
            display_name=name,
            text=text,
            client_id=client_id,
            created=timezone.now(),
        )
        publish_on_commit(
            room.group_name,
            message_event(message),
        )
    return message


def edit_message(*, message, text, by):
    """Replace a message's text; open pages receive it again with the same id."""
    message.text = clean_text(text)
    with transaction.atomic():
        message.save(update_fields=["text"])
        publish_on_commit(
            message.room.group_name,
            message_event(message),
        )
    return message


def _ids(messages):
    if isinstance(messages, Message):
        return [messages.pk]
    return [getattr(m, "pk", m) for m in messages]


def _announce_deleted(rows):
    for message_id, room_id in rows:
        publish_on_commit(f"chat.room.{room_id}", delete_event(message_id))


def hide_messages(*, messages, by):
    """Hide the visible ones of ``messages``; return how many were hidden."""
    with transaction.atomic():
        rows = list(
            Message.objects.filter(id__in=_ids(messages), hidden=False).values_list(
                "id", "room_id"
            )
        )
        Message.objects.filter(id__in=[r[0] for r in rows]).update(
            hidden=True, hidden_at=timezone.now(), hidden_by=by
        )
        _announce_deleted(rows)
    logger.info("messages hidden", extra={"count": len(rows), "by": str(by)})
    return len(rows)


def unhide_messages(*, messages, by):
    """Show hidden ``messages`` again; return how many were restored."""
    with transaction.atomic():
        restored = list(
            Message.objects.filter(id__in=_ids(messages), hidden=True)
            .select_related("room")
            .order_by("id")
        )
        Message.objects.filter(id__in=[m.pk for m in restored]).update(
            hidden=False, hidden_at=None, hidden_by=None
        )
        for message in restored:
            publish_on_commit(
                message.room.group_name,
                message_event(message),
            )
    logger.info("messages unhidden", extra={"count": len(restored), "by": str(by)})
    return len(restored)


def delete_messages(*, messages, by):
    """Delete ``messages`` for good; return how many were deleted."""
    with transaction.atomic():
        rows = list(
            Message.objects.filter(id__in=_ids(messages)).values_list("id", "room_id")
        )
        Message.objects.filter(id__in=[r[0] for r in rows]).delete()
        _announce_deleted(rows)
    logger.info("messages deleted", extra={"count": len(rows), "by": str(by)})
    return len(rows)


def clear_room(*, room, by):
    """Hide every visible message of ``room``; return how many were hidden."""
    with transaction.atomic():
        count = room.messages.visible().update(
            hidden=True, hidden_at=timezone.now(), hidden_by=by
        )
        publish_on_commit(room.group_name, clear_event())
    logger.info("room cleared", extra={"room": room.slug, "hidden": count})
    return count
