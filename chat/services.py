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
  each member's connection closes with 4404,
- ``{"type": "chat.room", "text": "..."}`` when a room's title or topic
  changes (to the room and to the list of rooms).

A new message, or an edit, that names members with ``@username`` stores a
``Mention`` of each not yet named in the same transaction and, on commit,
hands a ``mention`` frame to the open chat pages of each (their personal
group, ``content.sockets``).

The list of rooms (``Room.LIST_GROUP``) gets one ``chat.activity`` event per
posted message, whatever the number of rooms or members, sent in the same
trip to the server's loop as the room's ``chat.message``; a member's list
pages (``reader_group``) hear when that member read a room elsewhere
(``chat.read``).
"""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from chat.models import Mention, Message, ReadPointer, Room
from content import audit, bulk, names, queue
from content.bans import refuse_banned
from content.events import encode_frame, publish_on_commit, utc_iso
from content.markup import mentioned_usernames
from content.moderators import moderates
from content.services import (
    Moderation,
    create_item,
    invalid,
    refuse_unstorable,
)
from content.sockets import notice_event, user_group

logger = logging.getLogger(__name__)

ARCHIVED = "This room is archived: it is read-only."
NOT_YOURS = "Only the room's creator or a chat moderator may change its title or topic."


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


def title_key(title):
    """Return what titles that read the same share (``content.names.skeleton``)."""
    return names.skeleton(title)


def refuse_taken_title(title, *, room=None):
    """Refuse ``title`` if another room's reads the same (case, look-alikes)."""
    others = Room.objects.filter(title_key=title_key(title))
    if room is not None:
        others = others.exclude(pk=room.pk)
    other = others.first()
    if other is not None:
        raise invalid(
            "title",
            f"There is already a room called “{other.title}” "
            f"({other.get_absolute_url()}): join it, or choose another title.",
            "title_taken",
        )


def free_title(title):
    """
    Return ``title``, or the first of "title (2)", "title (3)"... that no
    room's reads the same as: for rooms that arrive with a title of their
    own (import, demo seeding), which must not be refused.
    """
    candidate, n = title, 1
    while Room.objects.filter(title_key=title_key(candidate)).exists():
        n += 1
        suffix = f" ({n})"
        candidate = title[: Room.TITLE_MAX_LENGTH - len(suffix)].rstrip() + suffix
    return candidate


def clean_topic(topic):
    topic = " ".join((topic or "").split())
    if len(topic) > Room.TOPIC_MAX_LENGTH:
        raise invalid(
            "topic", f"Keep topics to {Room.TOPIC_MAX_LENGTH} characters.", "too_long"
        )
    refuse_unstorable("topic", topic)
    return topic


def serialize_message(message):
    """Return the wire form of a message (the protocol's ``message`` frame)."""
    return {
        "type": "message",
        "id": message.pk,
        "room": message.room.slug,
        "author": message.display_name,
        "author_username": message.author_username,
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


def room_event(room):
    """Tell a room's pages and the room list its title and topic."""
    return {
        "type": "chat.room",
        "text": encode_frame(
            {
                "type": "room",
                "room": room.slug,
                "title": room.title,
                "topic": room.topic,
            }
        ),
    }


def activity_event(message):
    """Tell the room list that ``message`` was posted (one event per message)."""
    return {
        "type": "chat.activity",
        "text": encode_frame(
            {
                "type": "activity",
                "room": message.room.slug,
                "id": message.pk,
                "author": message.display_name,
                "author_username": message.author_username,
                "guest": message.author_id is None,
                "created": utc_iso(message.created),
            }
        ),
    }


def reader_group(user_id):
    """The group of one member's room-list pages."""
    return f"chat.reader.{user_id}"


def read_event(room, message_id, unread):
    return {
        "type": "chat.read",
        "text": encode_frame(
            {"type": "read", "room": room.slug, "id": message_id, "unread": unread}
        ),
    }


# Addresses under /chat/ that are pages of their own, not rooms.
RESERVED_SLUGS = frozenset({"mentions", "search"})


def _unique_slug(title):
    base = slugify(title, allow_unicode=True)[: Room.SLUG_MAX_LENGTH - 8] or "room"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Room.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_room(*, title, topic="", created_by=None, address=None):
    """
    Create a room with a slug generated from any Unicode title; refuse a
    banned creator (``created_by``, or a guest at ``address``), and a title
    another room's reads the same as (``title_taken``; a unique constraint
    on ``Room.title_key`` backs the check against a concurrent create).
    """
    title, topic = clean_title(title), clean_topic(topic)
    if created_by is not None and not created_by.is_authenticated:
        created_by = None
    refuse_banned(user=created_by, address=address)
    refuse_taken_title(title)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                now = timezone.now()
                room = Room.objects.create(
                    slug=_unique_slug(title),
                    title=title,
                    title_key=title_key(title),
                    topic=topic,
                    created_by=created_by,
                    created=now,
                    last_active=now,
                )
        except IntegrityError:  # a concurrent create took the title or slug
            refuse_taken_title(title)
            continue
        logger.info("room created", extra={"room": room.slug})
        return room
    raise invalid("title", "Could not find a free address for this room; try again.")


def may_change_room(user, room):
    """Return whether ``user`` may change ``room``'s title or topic."""
    if user is None:  # the site itself (commands)
        return True
    if not user.is_authenticated:
        return False
    return room.created_by_id == user.pk or moderates(user, Message)


def update_room(*, room, by, via, title=None, topic=None):
    """
    Change a room's title and/or topic (its slug, and so its address, stays)
    and tell its open pages and the room list on commit.

    Only its creator or a chat moderator may (else ``PermissionDenied``); a
    moderator's change of someone else's room is logged. ``None`` leaves a
    field as it is.
    """
    if not may_change_room(by, room):
        raise PermissionDenied(NOT_YOURS)
    changed = {}
    if title is not None:
        title = clean_title(title)
        if title != room.title:
            refuse_taken_title(title, room=room)
            changed.update(title=title, title_key=title_key(title))
    if topic is not None:
        topic = clean_topic(topic)
        if topic != room.topic:
            changed["topic"] = topic
    if not changed:
        return room
    before = f"{room.title} · {room.topic}"
    try:
        with transaction.atomic():
            for field, value in changed.items():
                setattr(room, field, value)
            room.save(update_fields=list(changed))
            if by is not None and room.created_by_id != by.pk:
                audit.record(
                    action="edit", by=by, via=via, targets=[room], detail=before
                )
            publish_on_commit(room.group_name, room_event(room))
            publish_on_commit(Room.LIST_GROUP, room_event(room))
    except IntegrityError:  # a concurrent create or rename took the title
        room.refresh_from_db()
        refuse_taken_title(title, room=room)
        raise
    logger.info("room changed", extra={"room": room.slug, "by": str(by)})
    return room


def rename_room(*, room, title, by, via="admin"):
    """Change a room's title (``update_room``)."""
    return update_room(room=room, title=title, by=by, via=via)


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


def _posted(message):
    """A new message: to its room, then to the list of rooms, in one trip."""
    return (*_shown(message), (Room.LIST_GROUP, activity_event(message)))


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
            shown=_posted,
            address=address,
            room=room,
        )
        if created:
            # In the message's transaction, and never backwards: two posts
            # may commit out of the order of their ids.
            Room.objects.filter(pk=room.pk).filter(
                Q(last_message_id__isnull=True) | Q(last_message_id__lt=message.pk)
            ).update(last_message_id=message.pk, last_active=message.created)
            _mention(message)
    return message, created


def mark_read(*, user, room, message_id=None):
    """
    Move ``user``'s read pointer in ``room`` forward to ``message_id`` (the
    room's newest message when ``None``; never past it, never backwards);
    return ``(pointer's message id, unread count)``. The member's room-list
    pages are told on commit. Guests keep no pointer: ``ValueError``.
    """
    if user is None or not user.is_authenticated:
        raise ValueError("Only members have read pointers.")
    newest = (
        Room.objects.filter(pk=room.pk).values_list("last_message_id", flat=True).get()
        or 0
    )
    target = newest if message_id is None else max(0, min(message_id, newest))
    pointers = ReadPointer.objects.filter(user=user, room=room)
    current = pointers.values_list("message_id", flat=True).first()
    moved = False
    if current is None or current < target:
        # Written only when it moves: a page view of a room already read
        # costs one read, no write lock.
        with transaction.atomic():
            moved = pointers.filter(message_id__lt=target).update(message_id=target)
            if not moved and current is None:
                try:
                    with transaction.atomic():
                        ReadPointer.objects.create(
                            user=user, room=room, message_id=target
                        )
                    moved = True
                except IntegrityError:  # a concurrent first read
                    moved = pointers.filter(message_id__lt=target).update(
                        message_id=target
                    )
    position = pointers.values_list("message_id", flat=True).get()
    unread = (
        Room.objects.filter(pk=room.pk)
        .with_unread(user)
        .values_list("unread", flat=True)
        .get()
    )
    if moved:
        publish_on_commit(reader_group(user.pk), read_event(room, position, unread))
    return position, unread


def mention_frame(message):
    """Return the ``mention`` frame that tells a member ``message`` names them."""
    return {
        "type": "mention",
        "id": message.pk,
        "room": message.room.slug,
        "room_title": message.room.title,
        "author": message.display_name,
        "author_username": message.author_username,
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
    Message, shown=_shown, removed=_removed, related=["room", "author"]
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
    refresh_activity(rooms.values())
    logger.info("messages imported", extra={"added": added, "skipped": skipped})
    return added, skipped


def refresh_activity(room_ids):
    """Set ``last_active`` and ``last_message_id`` of rooms written in bulk."""
    newest = Message.objects.filter(room_id=OuterRef("pk")).order_by("-id")
    Room.objects.filter(pk__in=list(room_ids)).update(
        last_message_id=Subquery(newest.values("id")[:1]),
        last_active=Coalesce(Subquery(newest.values("created")[:1]), "created"),
    )


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
        # A title another room here already has is numbered, not refused.
        title = free_title(clean_title(row.get("room_title") or slug))
        room_id = Room.objects.create(
            slug=slug,
            title=title,
            title_key=title_key(title),
            created=row["created"],
            last_active=row["created"],
        ).pk
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
    # Titles are unique: past the list (or on a second run), numbered.
    return [
        create_room(title=free_title(titles[i % len(titles)])) for i in range(count)
    ]


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
    refresh_activity(room_ids)
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
