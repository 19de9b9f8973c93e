"""
The chat protocol's server side (docs/protocol.md is the reference).

A ``ChatConsumer`` is one open room page (or terminal client). It joins the
room's channel-layer group, optionally replays what the client missed
(``?after=<id>``), then forwards the room's events and turns the client's
``message`` frames into ``chat.services.post_message`` calls (its ``edit``
and ``delete`` frames into ``content.services.edit_item`` / ``delete_item``).
The services publish every change with its frame already encoded, so the handlers here
only forward ``event["text"]``: they never build, copy or mutate an event,
which the channel layer may share between every member of the process.

No gap and no duplicate between replay and live: the consumer joins the group
*before* it reads the replay, and Channels dispatches one message at a time,
so live events that arrive during the replay wait in the channel's queue.
When they are handled, any message the replay already sent is skipped.

Presence and typing (``chat.presence``) ride beside the room, never in it:
every socket is counted in the room's presence, but only one that asks with
``?presence=1`` joins the room's presence group and receives ``presence`` and
``typing`` frames. A ``typing`` frame from the client is relayed to that group
at most once per ``TYPING_INTERVAL`` (extras are dropped silently), never
stored and never sent back to its sender's own sockets. A message's delivery
does no presence work at all.
"""

import json
import time
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from chat import presence, services
from chat.models import Message, Room
from chat.services import serialize_message
from content import reports
from content.bans import Banned, refuse_banned
from content.events import encode_frame, utc_iso
from content.layers import LayerEventDispatchMixin
from content.moderators import moderates
from content.ratelimit import check_rate, rate_ident
from content.services import (
    ChangeRefused,
    author_and_name,
    clean_client_id,
    delete_item,
    edit_item,
    first_error,
    may_write,
)
from content.sessions import SessionBoundMixin, SessionEnded, is_still_active
from content.sockets import PersonalGroupsMixin

REPLAY_LIMIT = 500
# The least time between two writes of one socket's read frames (seconds).
READ_INTERVAL = 1.0

# Close codes (the 4000-4999 range is the application's own).
CLOSE_RATE_LIMITED = 4429
CLOSE_ROOM_GONE = 4404

MAX_AFTER_DIGITS = 18
# Seconds between two typing frames of one socket that are relayed; clients
# send one every 3 s while their person types.
TYPING_INTERVAL = 2.0
# How long the ids of a replay are remembered to skip their live duplicates: a
# duplicate is published within moments of the replay, and the channel layers
# drop undelivered events after 60 s (their "expiry") anyway.
REPLAY_MEMORY = 60
# The service's error codes that an error frame passes on as they are; any
# other refusal of a field is the client's bug, a bad_json.
SERVICE_CODES = frozenset(
    {"empty", "too_long", "bad_characters", "reserved_name", "archived"}
)
# The codes of a refused report that its error frame keeps.
REPORT_CODES = frozenset({"empty", "too_long", "own", "hidden"})
# The codes of a refused edit or delete that its error frame keeps.
CHANGE_CODES = frozenset({"empty", "too_long", "bad_characters"})
CLIENT_FRAMES = ("message", "report", "edit", "delete", "typing", "read")
# The frame's names of the service's fields, where they differ.
FRAME_FIELDS = {"display_name": "name"}


def _error(code, detail, **extra):
    return encode_frame({"type": "error", "code": code, "detail": detail, **extra})


def _parse(text_data):
    """
    Return ``(frame, None)`` for a message or report frame, else ``(frame,
    refusal)``.
    """
    if text_data is None:
        return None, ("bad_type", "Send JSON text frames, not binary.")
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: absurd nesting
        return None, ("bad_json", "The frame is not JSON.")
    if not isinstance(frame, dict):
        return None, ("bad_json", 'Send a JSON object with a "type".')
    if frame.get("type") not in CLIENT_FRAMES:
        shown = repr(frame.get("type"))[:40]
        return frame, (
            "bad_type",
            f"Unknown frame type {shown}: the client may only send "
            '"message", "report", "edit", "delete", "typing" or "read".',
        )
    return frame, None


def _echoable_client_id(frame):
    """Return the frame's client_id if an error frame may carry it, else None."""
    if not isinstance(frame, dict) or frame.get("type") != "message":
        return None
    try:
        return clean_client_id(frame.get("client_id"))
    except ValidationError:
        return None


def _client_address(scope):
    client = scope.get("client")
    return client[0] if client else None


@sync_to_async
def _count_frame(ident):
    """Count a frame against the sender's chat rate; return seconds to wait."""
    return check_rate("chat", ident, rate=settings.NETSITE_CHAT_RATE)


def _query(scope):
    return parse_qs(scope.get("query_string", b"").decode("latin-1"))


def _wants_presence(scope):
    return _query(scope).get("presence", [""])[-1] in ("1", "true")


def _parse_after(scope):
    """Return the ``after`` id, ``None`` when absent; raise ValueError if bad."""
    values = _query(scope).get("after")
    if not values:
        return None
    raw = values[-1]
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_AFTER_DIGITS:
        raise ValueError(raw)
    return int(raw)


@database_sync_to_async
def _get_room(slug):
    return Room.objects.filter(slug=slug).first()


@database_sync_to_async
def _replay(room, after):
    """Return up to ``REPLAY_LIMIT + 1`` visible messages after ``after``."""
    messages = list(
        room.messages.visible()
        .after(after)
        .select_related("room", "author")[: REPLAY_LIMIT + 1]
    )
    return [(m.pk, encode_frame(serialize_message(m))) for m in messages]


@database_sync_to_async
def _mark_read(user, room, message_id):
    return services.mark_read(user=user, room=room, message_id=message_id)


@database_sync_to_async
def _post(*, author, **kwargs):
    # In the same thread hop as the write: one indexed read per message.
    if author is not None and not is_still_active(author):
        raise SessionEnded
    return services.post_message(author=author, **kwargs)


@database_sync_to_async
def _typing_name(user, name, address):
    """
    Return the name a typing frame shows, or ``None`` when the typist may not
    write here (banned). A guest's name is checked as a message's would be;
    one that would be refused shows as ``guest``.
    """
    try:
        refuse_banned(user=user, address=address)
    except Banned:
        return None
    try:
        return author_and_name(user, name if isinstance(name, str) else None)[1]
    except ValidationError:
        return author_and_name(None, None)[1]


@database_sync_to_async
def _report(room, message_id, **kwargs):
    """Report a visible message of ``room``; ``None`` when there is none."""
    message = room.messages.visible().filter(pk=message_id).first()
    if message is None:
        return None
    return reports.report_item(item=message, **kwargs)


@database_sync_to_async
def _change(room, message_id, *, user, action, text=None):
    """
    Edit or delete message ``message_id`` of ``room`` as ``user``; return the
    message, ``None`` when the room has no such message that ``user`` may see.
    """
    message = (
        room.messages.filter(pk=message_id).select_related("room", "author").first()
    )
    if message is None or (message.hidden and not moderates(user, Message)):
        return None
    if user.is_authenticated and not is_still_active(user):
        raise SessionEnded
    if action == "edit":
        return edit_item(message, text=text, by=user, via="chat")
    delete_item(message, by=user, via="chat")
    return message


class ChatConsumer(
    PersonalGroupsMixin,
    SessionBoundMixin,
    LayerEventDispatchMixin,
    AsyncWebsocketConsumer,
):
    # Room events are forwarded without Channels' per-event thread hop: their
    # handlers touch no database connection (see the mixin).
    layer_events = frozenset(
        {
            "chat.message",
            "chat.delete",
            "chat.clear",
            "chat.room",
            "chat.presence",
            "chat.typing",
        }
    )
    # A member's chat pages hear of the messages that mention them.
    notices = frozenset({"mention"})

    async def connect(self):
        self.room = None
        self.counted = False
        self.last_read_write = 0.0
        self.replayed = set()
        try:
            after = _parse_after(self.scope)
        except ValueError:
            # Refused like an unknown room: a client that sends a broken
            # resume point has a bug, and guessing would risk a silent gap.
            await self.close()
            return
        self.room = await _get_room(self.scope["url_route"]["kwargs"]["slug"])
        if self.room is None:
            await self.close()
            return
        self.strikes = 0
        self.person = presence.person_of(self.scope)
        self.typing_at = None
        self.typing_name = None  # a guest's last (name asked for, name shown)
        self.presence_group = None
        await self.channel_layer.group_add(self.room.group_name, self.channel_name)
        if _wants_presence(self.scope):
            self.presence_group = presence.group_for(self.room.pk)
            await self.channel_layer.group_add(self.presence_group, self.channel_name)
        await self.accept()
        if after is not None:
            await self._send_replay(after)
        self.counted = True
        snapshot = await presence.tracker.join(
            self.room.pk,
            self.channel_name,
            self.person,
            snapshot=self.presence_group is not None,
        )
        if snapshot is not None:
            await self.send(text_data=encode_frame(snapshot))

    async def _send_replay(self, after):
        rows = await _replay(self.room, after)
        self.replayed_until = time.monotonic() + REPLAY_MEMORY
        for message_id, text in rows[:REPLAY_LIMIT]:
            self.replayed.add(message_id)
            await self.send(text_data=text)
        if len(rows) > REPLAY_LIMIT:
            next_after = rows[REPLAY_LIMIT - 1][0]
            await self.send(
                text_data=encode_frame(
                    {"type": "replay_truncated", "next_after": next_after}
                )
            )

    async def disconnect(self, code):
        if self.counted:
            presence.tracker.leave(self.room.pk, self.channel_name)
        if self.room is not None:
            await self.channel_layer.group_discard(
                self.room.group_name, self.channel_name
            )
        if getattr(self, "presence_group", None) is not None:
            await self.channel_layer.group_discard(
                self.presence_group, self.channel_name
            )

    # Client frames ------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        # Parsed before it is counted, so that a refusal for sending too fast
        # names the message (its client_id) and the client can send it again.
        frame, refusal = _parse(text_data)
        if refusal is None and frame["type"] == "read":
            # Not counted against the chat rate: reading is not chatting.
            await self._receive_read(frame)
        if refusal is None and frame["type"] == "typing":
            # Not counted against the chat rate: it has its own, silent one.
            await self._receive_typing(frame)
            return
        if refusal is None and frame["type"] == "read":
            # Not counted against the chat rate: reading is not chatting.
            await self._receive_read(frame)
            return
        ident = rate_ident(self.scope.get("user"), _client_address(self.scope))
        wait = await _count_frame(ident)
        if wait is not None:
            await self._rate_limited(wait, _echoable_client_id(frame))
            return
        self.strikes = 0
        if refusal is not None:
            await self._refuse(*refusal)
            return
        if frame["type"] == "report":
            await self._receive_report(frame)
            return
        if frame["type"] in ("edit", "delete"):
            await self._receive_change(frame)
            return
        await self._receive_message(frame)

    async def _rate_limited(self, retry_after, client_id):
        # A client gets a window's worth of rate_limited errors in a row; one
        # that keeps sending after that is flooding and is disconnected.
        self.strikes += 1
        if self.strikes > settings.NETSITE_CHAT_RATE[0]:
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        await self._refuse(
            "rate_limited",
            f"Too many messages: wait {retry_after} s before sending again.",
            client_id,
            retry_after=retry_after,
        )

    async def _refuse(self, code, detail, client_id=None, **extra):
        """Send an error frame; the connection stays open."""
        if client_id is not None:
            extra["client_id"] = client_id
        await self.send(text_data=_error(code, detail, **extra))

    async def _receive_message(self, frame):
        client_id = frame.get("client_id")
        if client_id is not None and not isinstance(client_id, str):
            await self._refuse("bad_json", '"client_id" must be a string.')
            return
        text, name = frame.get("text"), frame.get("name")
        if not isinstance(text, str):
            await self._refuse("bad_json", '"text" must be a string.', client_id)
            return
        if name is not None and not isinstance(name, str):
            await self._refuse("bad_json", '"name" must be a string.', client_id)
            return
        user = self.scope.get("user")
        signed_in = user is not None and user.is_authenticated
        if not may_write(user):
            await self._refuse(
                "forbidden",
                "Log in to chat: guests may only read this room.",
                client_id,
            )
            return
        try:
            message, _created = await _post(
                room=self.room,
                text=text,
                author=user if signed_in else None,
                display_name=name,
                client_id=client_id,
                address=_client_address(self.scope),
            )
        except Banned as error:
            await self._refuse("banned", error.message, client_id)
            return
        except ValidationError as error:
            field, code, detail = first_error(error)
            if code not in SERVICE_CODES:
                code = "bad_json"
            if field != "text":
                detail = f'"{FRAME_FIELDS.get(field, field)}": {detail}'
            # A bad client_id is not echoed back: the error frame's must be valid.
            await self._refuse(
                code, detail, None if field == "client_id" else client_id
            )
            return
        except SessionEnded:
            # Deactivated since the socket opened: nothing is stored.
            await self.end_session()
            return
        except IntegrityError:
            # The room was deleted while this connection was open.
            await self.close(code=CLOSE_ROOM_GONE)
            return
        # post_message returned after its transaction committed, so the id is
        # final and the broadcast is on its way.
        await self.send(
            text_data=encode_frame(
                {
                    "type": "ack",
                    "client_id": client_id,
                    "id": message.pk,
                    "created": utc_iso(message.created),
                }
            )
        )

    async def _receive_read(self, frame):
        """
        Move the member's read pointer forward; answer only a bad frame.
        Writes at most one per ``READ_INTERVAL`` per socket (the page sends
        less often), so a client cannot make the socket a stream of writes.
        """
        message_id = frame.get("id")
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            await self._refuse("bad_json", '"id" must be a message id (a number).')
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse("forbidden", "Log in to keep track of what you read.")
            return
        now = time.monotonic()
        if now - self.last_read_write < READ_INTERVAL:
            return
        self.last_read_write = now
        await _mark_read(user, self.room, message_id)

    async def _receive_typing(self, frame):
        now = time.monotonic()
        if self.typing_at is not None and now - self.typing_at < TYPING_INTERVAL:
            return
        self.typing_at = now
        user = self.scope.get("user")
        if not may_write(user) or self.room.archived:
            return
        signed_in = user is not None and user.is_authenticated
        asked = frame.get("name") if not signed_in else None
        if signed_in or self.typing_name is None or asked != self.typing_name[0]:
            # A member's ban is looked at each time; a guest's name only when
            # it changes (a ban closes the guest's sockets anyway).
            shown = await _typing_name(
                user if signed_in else None, asked, _client_address(self.scope)
            )
            if shown is None:
                return
            if not signed_in:
                self.typing_name = (asked, shown)
        else:
            shown = self.typing_name[1]
        await self.channel_layer.group_send(
            presence.group_for(self.room.pk),
            {
                "type": "chat.typing",
                "person": self.person[0],
                "text": encode_frame(
                    {"type": "typing", "name": shown, "guest": not signed_in}
                ),
            },
        )

    async def _receive_report(self, frame):
        message_id, reason = frame.get("id"), frame.get("reason")
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            await self._refuse("bad_json", '"id" must be a message id (a number).')
            return
        if not isinstance(reason, str):
            await self._refuse("bad_json", '"reason" must be a string.')
            return
        user = self.scope.get("user")
        try:
            result = await _report(
                self.room,
                message_id,
                reason=reason,
                reporter=user if user is not None and user.is_authenticated else None,
                address=_client_address(self.scope),
            )
        except Banned as error:
            await self._refuse("banned", error.message)
            return
        except reports.TooManyReports as error:
            await self._refuse(
                "rate_limited", str(error), retry_after=error.retry_after
            )
            return
        except ValidationError as error:
            _field, code, detail = first_error(error)
            await self._refuse(code if code in REPORT_CODES else "bad_json", detail)
            return
        if result is None:
            await self._refuse(
                "not_found", f"There is no message {message_id} in this room."
            )
            return
        await self.send(text_data=encode_frame({"type": "reported", "id": message_id}))

    async def _receive_change(self, frame):
        action, message_id = frame["type"], frame.get("id")
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            await self._refuse("bad_json", '"id" must be a message id (a number).')
            return
        text = frame.get("text")
        if action == "edit" and not isinstance(text, str):
            await self._refuse("bad_json", '"text" must be a string.', id=message_id)
            return
        user = self.scope.get("user")
        try:
            message = await _change(
                self.room, message_id, user=user, action=action, text=text
            )
        except Banned as error:
            await self._refuse("banned", error.message, id=message_id)
            return
        except ChangeRefused as error:
            await self._refuse(error.code, error.message, id=message_id)
            return
        except ValidationError as error:
            _field, code, detail = first_error(error)
            await self._refuse(
                code if code in CHANGE_CODES else "bad_json", detail, id=message_id
            )
            return
        except SessionEnded:
            await self.end_session()
            return
        if message is None:
            await self._refuse(
                "not_found",
                f"There is no message {message_id} in this room.",
                id=message_id,
            )
            return
        if action == "delete":
            reply = {"type": "deleted", "id": message_id}
        else:
            edited_at = utc_iso(message.edited_at) if message.edited_at else None
            reply = {"type": "edited", "id": message_id, "edited_at": edited_at}
        await self.send(text_data=encode_frame(reply))

    # Room events --------------------------------------------------------------

    async def chat_typing(self, event):
        if event["person"] != self.person[0]:
            await self.send(text_data=event["text"])

    async def chat_room_deleted(self, event):
        await self.close(code=CLOSE_ROOM_GONE)

    def forwards_now(self, event):
        # After a replay, chat_message skips the live copies of what it sent.
        return not self.replayed

    async def chat_message(self, event):
        if self.replayed:
            if event["id"] in self.replayed:
                # Already sent by the replay; it was queued while the replay ran.
                self.replayed.discard(event["id"])
                return
            if time.monotonic() > self.replayed_until:
                self.replayed.clear()
        await self.send(text_data=event["text"])


class RoomListConsumer(
    PersonalGroupsMixin,
    SessionBoundMixin,
    LayerEventDispatchMixin,
    AsyncWebsocketConsumer,
):
    """
    The list of rooms, live: each posted message (``activity``) and each
    change of a title or topic (``room``) in any room; and, for a member,
    each room they read elsewhere (``read``). It only listens: any frame the
    client sends is answered with an error.
    """

    layer_events = frozenset({"chat.activity", "chat.room", "chat.read"})

    async def websocket_connect(self, message):
        # Channels joins (and on disconnect leaves) everything in groups.
        self.groups = [*self.groups, Room.LIST_GROUP]
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self.groups.append(services.reader_group(user.pk))
        await super().websocket_connect(message)

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(
            text_data=_error("bad_type", "This socket only listens: send nothing.")
        )
