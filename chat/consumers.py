"""
The chat protocol's server side (docs/protocol.md is the reference).

A ``ChatConsumer`` is one open room page (or terminal client). It joins the
room's channel-layer group, optionally replays what the client missed
(``?after=<id>``), then forwards the room's events and turns the client's
``message`` frames into ``chat.services.post_message`` calls. The services
publish every change with its frame already encoded, so the handlers here
only forward ``event["text"]``: they never build, copy or mutate an event,
which the channel layer may share between every member of the process.

No gap and no duplicate between replay and live: the consumer joins the group
*before* it reads the replay, and Channels dispatches one message at a time,
so live events that arrive during the replay wait in the channel's queue.
When they are handled, any message the replay already sent is skipped.
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

from chat import services
from chat.models import Room
from chat.services import serialize_message
from content import reports
from content.bans import Banned
from content.events import encode_frame, utc_iso
from content.layers import LayerEventDispatchMixin
from content.ratelimit import check_rate, rate_ident
from content.services import clean_client_id, first_error, may_write
from content.sessions import SessionBoundMixin, SessionEnded, is_still_active
from content.sockets import PersonalGroupsMixin

REPLAY_LIMIT = 500
# The least time between two writes of one socket's read frames (seconds).
READ_INTERVAL = 1.0

# Close codes (the 4000-4999 range is the application's own).
CLOSE_RATE_LIMITED = 4429
CLOSE_ROOM_GONE = 4404

MAX_AFTER_DIGITS = 18
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
    if frame.get("type") not in ("message", "report", "read"):
        shown = repr(frame.get("type"))[:40]
        return frame, (
            "bad_type",
            f"Unknown frame type {shown}: the client may only send "
            '"message", "report" or "read".',
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


def _parse_after(scope):
    """Return the ``after`` id, ``None`` when absent; raise ValueError if bad."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("after")
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
        room.messages.visible().after(after).select_related("room")[: REPLAY_LIMIT + 1]
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
def _report(room, message_id, **kwargs):
    """Report a visible message of ``room``; ``None`` when there is none."""
    message = room.messages.visible().filter(pk=message_id).first()
    if message is None:
        return None
    return reports.report_item(item=message, **kwargs)


class ChatConsumer(
    PersonalGroupsMixin,
    SessionBoundMixin,
    LayerEventDispatchMixin,
    AsyncWebsocketConsumer,
):
    # Room events are forwarded without Channels' per-event thread hop: their
    # handlers touch no database connection (see the mixin).
    layer_events = frozenset({"chat.message", "chat.delete", "chat.clear", "chat.room"})

    async def connect(self):
        self.room = None
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
        await self.channel_layer.group_add(self.room.group_name, self.channel_name)
        await self.accept()
        if after is not None:
            await self._send_replay(after)

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
        if self.room is not None:
            await self.channel_layer.group_discard(
                self.room.group_name, self.channel_name
            )

    # Client frames ------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        # Parsed before it is counted, so that a refusal for sending too fast
        # names the message (its client_id) and the client can send it again.
        frame, refusal = _parse(text_data)
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

    # Room events --------------------------------------------------------------

    async def chat_room_deleted(self, event):
        await self.close(code=CLOSE_ROOM_GONE)

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
