"""
Channel layers that fan a group message out once per process.

A chat message goes to every member of its room. Channels' stock layers pay
for that per member: ``InMemoryChannelLayer.group_send`` starts a task and
deep-copies the event for each channel, and Redis layers serialise or
deserialise it per channel. With a thousand members that is a thousand copies
of the same frame. The layers here hand the *same* event object to every
local member's mailbox instead, so a group send costs one dictionary lookup
and one queue append per member, and nothing that grows with the event:

- ``FanoutInMemoryChannelLayer``: the embedded tier (one daphne process).
- ``FanoutRedisChannelLayer``: the scale-out tier. ``group_send`` is one Redis
  ``PUBLISH``; every process subscribes to a group once, however many of its
  connections joined it, deserialises each event once and fans it out locally.
  Direct ``send``/``receive`` on a channel works across processes (each
  channel is a Redis pub/sub channel of its own).

Events are shared, so they are read-only: a handler must not change the event
it receives (netsite's consumers only read ``event["text"]``, a frame encoded
once by the service that published it).

Nothing is dropped silently. Each channel's mailbox holds at most
``capacity`` events (1,000 by default: a member that far behind is better off
reconnecting and replaying with ``?after=`` than catching up through the
layer). When a group event finds a mailbox full, the mailbox is emptied and
holds ``{"type": "layer.overflow"}`` instead; the consumer closes with 4409
and its client resumes from the last message it saw. Group events for that
member are skipped until it has received the overflow (the resume covers
them). Each overflow is counted in ``layer.overflows`` and logged once.

A mailbox that nobody drains is found by a sweep that runs at most once per
``expiry`` seconds (never per message): a member that made no progress over a
whole period is given the overflow event, and one still stuck a period later
is treated as gone and removed from its groups. Idle mailboxes of channels
that left every group are dropped the same way.

**Forwarding without a wake-up.** Queueing an event wakes the member's
consumer task, which dispatches it and sends the frame on its own: per member
and per event, that task switch costs more than everything else a delivery
does. A consumer may instead ``attach(channel, sink)``: while its mailbox is
empty and its consumer waits for the next event, a group event for it goes to
``sink(event)``, a plain function called in the fan-out loop, which sends the
event's frame to the client at once and returns True (or False: queue it as
usual). Order is kept: as soon as one event is queued for a member (it was
busy, or its sink declined), the events after it queue behind it until the
consumer has caught up. ``LayerEventDispatchMixin`` attaches such a sink when
the server offers to send frames synchronously (netsite's server does, as an
ASGI extension); the consumer decides per event whether its frame may go as
it is (``forwards_now``).

**Idle connections.** Most sockets sit idle most of the time, by the
thousand, so what each one keeps counts. A mailbox is an ``Inbox``, which
holds nothing until an event is queued or a reader waits; where the server
gives the application an ``Inbox`` as its input too (netsite's does), the
consumer waits for its client and its channel with one future
(``receive_either``) instead of Channels' two tasks and an ``asyncio.wait``.

Unlike the stock layers, group memberships do not expire after
``group_expiry``: a member leaves with ``group_discard`` or when the sweep
finds it gone, never silently while it is still reading.
"""

import asyncio
import functools
import logging
import time
import uuid
from collections import deque

from channels.exceptions import ChannelFull, StopConsumer
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, create_pool, decode_hosts
from redis import asyncio as aioredis
from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 1000
# The close code of a member that fell behind (docs/protocol.md).
CLOSE_OVERFLOW = 4409

# The ASGI extension (scope["extensions"]) of a server that can write a text
# frame to a WebSocket synchronously: ``send(text) -> bool``.
SEND_TEXT_NOW = "netsite.websocket.send_text_now"

# One shared, read-only overflow event: identity marks it in a mailbox.
OVERFLOW = {"type": "layer.overflow"}


class Inbox:
    """
    A first-in first-out queue of a connection's events, lean for the
    thousands that sit idle: ``asyncio.Queue`` keeps four deques and an event
    from the start (some 3 KB), this keeps nothing until an event is queued
    or a reader waits. The ``asyncio.Queue`` methods a reader and a writer
    use, unbounded (a caller that needs a bound checks ``qsize()``).
    """

    __slots__ = ("_items", "_readers")

    def __init__(self):
        self._items = None  # a deque while anything is queued
        self._readers = None  # futures of the readers waiting, while any are

    def qsize(self):
        return len(self._items) if self._items else 0

    def empty(self):
        return not self._items

    def put_nowait(self, item):
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        readers, self._readers = self._readers, None
        for reader in readers or ():
            if not reader.done():
                reader.set_result(None)

    def get_nowait(self):
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    def wake(self, reader):
        """Have the next ``put_nowait`` set the result of future ``reader``."""
        if self._readers is None:
            self._readers = []
        self._readers.append(reader)

    def forget(self, reader):
        """Undo ``wake(reader)`` if it is still pending."""
        if self._readers is not None and reader in self._readers:
            self._readers.remove(reader)
            if not self._readers:
                self._readers = None

    async def get(self):
        while not self._items:
            reader = asyncio.get_running_loop().create_future()
            self.wake(reader)
            try:
                await reader
            finally:
                self.forget(reader)
        return self.get_nowait()


class _Mailbox(Inbox):
    """The queue of one channel plus what the sweep needs to judge it."""

    __slots__ = (
        "overflowed",
        "received",
        "seen",
        "waiting",
        "stale",
        "sink",
        "inbox_turn",
    )

    def __init__(self):
        super().__init__()
        self.sink = None  # (event) -> bool: forwarded without queueing
        self.overflowed = False
        self.received = 0  # events taken out, ever
        self.seen = None  # ``received`` at the previous sweep, if it saw this
        self.waiting = 0  # receive() calls awaiting this mailbox now
        self.stale = False  # idle at the previous sweep too
        self.inbox_turn = False  # receive_either: the client's input next


class _LocalFanout:
    """
    Mailboxes and group memberships of this process, shared by both layers.

    ``members`` maps a group key to an insertion-ordered dict of channel names
    (events reach members in the order they joined); ``memberships`` maps a
    channel back to its group keys so that leaving and sweeping cost no scan.
    """

    def _init_fanout(self, *, capacity, expiry):
        self.capacity = capacity
        self.expiry = expiry
        self.mailboxes = {}
        self.members = {}
        self.memberships = {}
        self.overflows = 0
        self._next_sweep = time.monotonic() + expiry

    def _mailbox(self, channel):
        box = self.mailboxes.get(channel)
        if box is None:
            box = self.mailboxes[channel] = _Mailbox()
        return box

    def _join(self, key, channel):
        self.members.setdefault(key, {})[channel] = None
        self.memberships.setdefault(channel, set()).add(key)

    def _leave(self, key, channel):
        """Remove ``channel`` from group ``key``; return True if the group emptied."""
        groups = self.memberships.get(channel)
        if groups is not None:
            groups.discard(key)
            if not groups:
                del self.memberships[channel]
        channels = self.members.get(key)
        if channels is None:
            return False
        channels.pop(channel, None)
        if channels:
            return False
        del self.members[key]
        return True

    def _fan_out(self, key, message):
        """Put ``message`` itself (no copy) in the mailbox of each member of ``key``."""
        self._maybe_sweep()
        channels = self.members.get(key)
        if channels:
            self._put(channels, message)

    def _deliver(self, channel, message):
        """Queue a message for one channel, overflowing it rather than dropping."""
        self._put((channel,), message)

    def _put(self, channels, message):
        mailboxes = self.mailboxes
        # put_nowait only schedules waiting receivers, and a sink only writes
        # to its connection, so ``channels`` cannot change while this runs.
        for channel in channels:
            box = mailboxes.get(channel)
            if box is None:
                box = self._mailbox(channel)
            elif box.overflowed:
                continue
            sink = box.sink
            # Forwarded when its consumer waits for the next event (it has
            # handled the previous one) and nothing is queued ahead of it.
            if sink and box.waiting and box.empty() and sink(message):
                continue
            if box.qsize() >= self.capacity:
                self._overflow(channel, box, reason="full")
            else:
                box.put_nowait(message)

    def _overflow(self, channel, box, *, reason):
        dropped = box.qsize()
        while not box.empty():
            box.get_nowait()
        box.put_nowait(OVERFLOW)
        box.overflowed = True
        self.overflows += 1
        logger.warning(
            "channel layer overflow: %s told to resume",
            channel,
            extra={
                "channel": channel,
                "reason": reason,
                "dropped": dropped,
                "capacity": self.capacity,
                "overflows": self.overflows,
            },
        )

    def attach(self, channel, sink):
        """
        Forward group events for ``channel`` (a channel of this process) to
        ``sink(event)`` whenever nothing is queued for it and its consumer is
        waiting; ``sink`` returns False to have an event queued instead.
        Only a channel already in use (received from) is attached: a consumer
        attaches once connected, when its receive loop runs.
        """
        box = self.mailboxes.get(channel)
        if box is not None:
            box.sink = sink

    def detach(self, channel):
        """Queue every event for ``channel`` again."""
        box = self.mailboxes.get(channel)
        if box is not None:
            box.sink = None

    async def _receive(self, channel):
        box = self._mailbox(channel)
        box.waiting += 1
        try:
            message = await box.get()
        finally:
            box.waiting -= 1
        return self._took(box, message)

    def _took(self, box, message):
        box.received += 1
        if message is OVERFLOW:
            box.overflowed = False
        return message

    async def _receive_either(self, channel, inbox):
        """
        The next message for the consumer of ``channel``: what its client
        sent (``inbox``, the connection's input) or the next in the channel's
        mailbox, in turn when both have some. One future waits on both,
        where Channels' receive loop keeps a task and a wait of its own per
        source for each idle connection.
        """
        loop = asyncio.get_running_loop()
        while True:
            # Fetched anew each time (a sweep may have dropped it), and made
            # before anything is taken: a sink attaches only to a mailbox.
            box = self._mailbox(channel)
            # Both sources in turn while both have something: a client that
            # keeps sending never starves its own room of its events, nor
            # the other way round.
            if not inbox.empty() and (box.empty() or box.inbox_turn):
                box.inbox_turn = False
                return inbox.get_nowait()
            if not box.empty():
                box.inbox_turn = True
                return self._took(box, box.get_nowait())
            reader = loop.create_future()
            inbox.wake(reader)
            box.wake(reader)
            box.waiting += 1
            try:
                await reader
            finally:
                box.waiting -= 1
                inbox.forget(reader)
                box.forget(reader)

    def _maybe_sweep(self):
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.expiry
        self._sweep()

    def _sweep(self):
        for channel, box in list(self.mailboxes.items()):
            if box.empty():
                idle = not box.waiting and channel not in self.memberships
                if idle and box.stale:
                    self._forget(channel)
                box.stale = idle
            elif box.received == box.seen:  # no progress over a whole period
                if box.overflowed:
                    logger.warning(
                        "channel layer member gone: %s removed from its groups",
                        channel,
                        extra={"channel": channel},
                    )
                    self._forget(channel)
                else:
                    self._overflow(channel, box, reason="stalled")
            box.seen = box.received

    def _forget(self, channel):
        self.mailboxes.pop(channel, None)
        for key in list(self.memberships.get(channel, ())):
            if self._leave(key, channel):
                self._group_emptied(key)
        self._channel_forgotten(channel)

    def _group_emptied(self, key):
        """Hook: the last local member of group ``key`` was swept away."""

    def _channel_forgotten(self, channel):
        """Hook: the mailbox of ``channel`` was swept away."""

    def _reset(self):
        self.mailboxes = {}
        self.members = {}
        self.memberships = {}


class FanoutInMemoryChannelLayer(_LocalFanout, InMemoryChannelLayer):
    """
    The in-memory layer with a group send that shares one event between members.

    Settings: ``capacity`` (per channel, default 1,000) and ``expiry`` (the
    sweep period in seconds, default 60). ``channel_capacity`` and
    ``group_expiry`` of the stock layer are not used.
    """

    extensions = ["groups", "flush"]

    def __init__(self, expiry=60, capacity=DEFAULT_CAPACITY, **kwargs):
        super().__init__(expiry=expiry, capacity=capacity, **kwargs)
        self._init_fanout(capacity=capacity, expiry=expiry)

    async def send(self, channel, message):
        """
        Queue ``message`` for one channel; raise ChannelFull when it is full.

        A direct sender can handle ChannelFull itself, so it is told rather
        than the receiver being overflowed.
        """
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        self._maybe_sweep()
        box = self._mailbox(channel)
        if box.qsize() >= self.capacity:
            raise ChannelFull(channel)
        box.put_nowait(message)

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        return await self._receive(channel)

    async def receive_either(self, channel, inbox):
        """The next message from ``inbox`` or else ``channel`` (``_receive_either``)."""
        self.require_valid_channel_name(channel)
        return await self._receive_either(channel, inbox)

    async def forget_channel(self, channel):
        """The consumer of ``channel`` is gone: drop its mailbox."""
        if channel not in self.memberships:
            self.mailboxes.pop(channel, None)

    async def group_add(self, group, channel):
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self._join(group, channel)

    async def group_discard(self, group, channel):
        self.require_valid_channel_name(channel)
        self.require_valid_group_name(group)
        self._leave(group, channel)

    async def group_send(self, group, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._fan_out(group, message)

    async def flush(self):
        self._reset()


class _NotifyingPubSub(PubSub):
    """A redis-py PubSub that reports reconnections (it resubscribes by itself)."""

    def __init__(self, *args, on_reconnect, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_reconnect = on_reconnect

    async def on_connect(self, connection):
        # redis-py calls this after a *re*connection only: events published
        # while the connection was down are lost, so the members must resume.
        await super().on_connect(connection)
        self._on_reconnect()


class _FanoutShard(RedisSingleShardConnection):
    """One Redis connection whose incoming events go to the fan-out layer."""

    def _ensure_redis(self):
        if self._redis is None:
            self._redis = aioredis.Redis(connection_pool=create_pool(self.host))
            self._pubsub = _NotifyingPubSub(
                self._redis.connection_pool,
                event_dispatcher=self._redis._event_dispatcher,
                on_reconnect=self.channel_layer._connection_lost,
            )

    def _receive_message(self, message):
        if message is not None:
            self.channel_layer._dispatch(message["channel"], message["data"])


class _FanoutRedisLoopLayer(_LocalFanout, RedisPubSubLoopLayer):
    """The per-event-loop half of ``FanoutRedisChannelLayer``."""

    def __init__(
        self,
        hosts=None,
        prefix="asgi",
        capacity=DEFAULT_CAPACITY,
        expiry=60,
        channel_layer=None,
        **kwargs,
    ):
        super().__init__(
            hosts=hosts, prefix=prefix, channel_layer=channel_layer, **kwargs
        )
        self._shards = [_FanoutShard(host, self) for host in decode_hosts(hosts)]
        self._init_fanout(capacity=capacity, expiry=expiry)

    def _dispatch(self, name, data):
        """Deserialise one event from Redis once, then hand it to local members."""
        if isinstance(name, bytes):
            name = name.decode()
        if name in self.members:
            self._fan_out(name, self.channel_layer.deserialize(data))
        elif name in self.mailboxes:
            self._deliver(name, self.channel_layer.deserialize(data))

    def _connection_lost(self):
        for channel in list(self.memberships):
            box = self._mailbox(channel)
            if not box.overflowed:
                self._overflow(channel, box, reason="redis reconnected")

    async def new_channel(self, prefix="specific."):
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        await self._subscribe(channel)
        return channel

    async def _subscribe(self, channel):
        self._mailbox(channel)
        await self._get_shard(channel).subscribe(channel)

    async def receive(self, channel):
        return await self._subscribed(channel, lambda: self._receive(channel))

    async def receive_either(self, channel, inbox):
        return await self._subscribed(
            channel, lambda: self._receive_either(channel, inbox)
        )

    async def _subscribed(self, channel, receive):
        if channel not in self.mailboxes:
            await self._subscribe(channel)
        try:
            return await receive()
        except (TimeoutError, asyncio.CancelledError, GeneratorExit):
            # As in channels-redis: a cancelled receive means the consumer
            # is leaving, and its channel with it.
            await self.forget_channel(channel)
            raise

    async def forget_channel(self, channel):
        """The consumer of ``channel`` is gone: drop its mailbox, unsubscribe."""
        self.mailboxes.pop(channel, None)
        try:
            await self._get_shard(channel).unsubscribe(channel)
        except BaseException:
            logger.exception("could not unsubscribe %s", channel)

    async def group_add(self, group, channel):
        if channel not in self.mailboxes:
            raise RuntimeError(
                "group_add() needs a channel of this process: call it with "
                "self.channel_name from the consumer that owns the channel."
            )
        key = self._get_group_channel_name(group)
        self._join(key, channel)
        await self._get_shard(key).subscribe(key)

    async def group_discard(self, group, channel):
        key = self._get_group_channel_name(group)
        if channel in self.members.get(key, ()) and self._leave(key, channel):
            await self._get_shard(key).unsubscribe(key)

    def _group_emptied(self, key):
        asyncio.ensure_future(self._get_shard(key).unsubscribe(key))

    def _channel_forgotten(self, channel):
        asyncio.ensure_future(self._get_shard(channel).unsubscribe(channel))

    async def flush(self):
        self._reset()
        for shard in self._shards:
            await shard.flush()


class FanoutRedisChannelLayer(RedisPubSubChannelLayer):
    """
    Redis pub/sub layer: one PUBLISH per group send, one local fan-out per process.

    Settings as ``channels_redis.pubsub.RedisPubSubChannelLayer`` (``hosts``,
    ``prefix``, ``serializer_format``...) plus ``capacity`` and ``expiry`` as
    in ``FanoutInMemoryChannelLayer``. Redis pub/sub keeps nothing for a
    process that is not connected; after a reconnection every local member
    gets ``layer.overflow`` so that its client replays what it missed.
    """

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = _FanoutRedisLoopLayer(
                *self._args, **self._kwargs, channel_layer=self
            )
            self._layers[loop] = layer
            # As channels-redis: close the loop's connections with the loop.
            _wrap_close(self, loop)
        return layer

    def attach(self, channel, sink):
        self._get_layer().attach(channel, sink)

    def detach(self, channel):
        self._get_layer().detach(channel)

    async def receive_either(self, channel, inbox):
        return await self._get_layer().receive_either(channel, inbox)

    async def forget_channel(self, channel):
        await self._get_layer().forget_channel(channel)


class LayerEventDispatchMixin:
    """
    Consumer mixin: forward the named layer events without a thread hop each,
    and where the server allows, without a task wake-up each.

    Channels' ``AsyncConsumer.dispatch`` runs ``close_old_connections`` in the
    sync thread before *every* handler, so each member of a room pays a
    thread round trip per event, serialised through one thread: in the
    benchmark that is half of a delivery's cost. The events listed in
    ``layer_events`` touch no database connection, so they skip it: an
    event's own handler runs if the consumer has one, else its frame
    (``event["text"]``, encoded once by the service that published it) is
    sent to the client as it is. ``layer.overflow`` closes the socket with
    ``CLOSE_OVERFLOW`` so that the client resumes. Everything else,
    ``websocket.receive`` included, still goes through Channels' dispatch.

    When the server offers ``SEND_TEXT_NOW`` (an ASGI extension in the
    scope: a function that writes a text frame to this connection at once and
    returns False if the connection is not open) and the layer can
    ``attach`` a sink, the socket, once connected, has the layer send
    ``layer_events`` straight to the client while the consumer is idle (not
    handling anything) and ``forwards_now(event)`` is true: no task switch,
    dispatch or handler per member. A consumer whose handler does more than
    send ``event["text"]`` in some state returns False from
    ``forwards_now`` in that state.

        class RoomConsumer(LayerEventDispatchMixin, AsyncWebsocketConsumer):
            layer_events = {"chat.message", "chat.delete", "chat.clear"}
    """

    layer_events = frozenset()
    _handling = 0  # dispatches under way (Channels runs one at a time)

    async def __call__(self, scope, receive, send):
        """
        Channels' ``AsyncConsumer.__call__``, with one wait on both sources
        (``receive_either``) where the server's input is an ``Inbox`` and the
        layer is one of these: Channels' ``await_many_dispatch`` keeps two
        tasks and an ``asyncio.wait`` for every idle connection.
        """
        inbox = getattr(receive, "__self__", None)
        layer = get_channel_layer(self.channel_layer_alias)
        if not isinstance(inbox, Inbox) or not hasattr(layer, "receive_either"):
            return await super().__call__(scope, receive, send)
        self.scope = scope
        self.channel_layer = layer
        self.channel_name = await layer.new_channel()
        self.channel_receive = functools.partial(layer.receive, self.channel_name)
        self.base_send = send
        try:
            while True:
                await self.dispatch(
                    await layer.receive_either(self.channel_name, inbox)
                )
                # One turn of the event loop between two events, as Channels'
                # loop takes: what was queued while this consumer was busy
                # comes out without a pause otherwise, and the server writes
                # its frames only when the loop turns, so a backlog of a few
                # hundred lands in the send buffer at once and overruns its
                # bound (4409) however fast the client reads.
                await asyncio.sleep(0)
        except StopConsumer:
            pass
        finally:
            await layer.forget_channel(self.channel_name)

    async def dispatch(self, message):
        kind = message["type"]
        if kind in self.layer_events:
            handler = getattr(self, kind.replace(".", "_"), None)
            if handler is not None:
                return await handler(message)
            return await self.send(text_data=message["text"])
        if kind == "layer.overflow":
            # This member fell behind: its client reconnects and resumes.
            return await self.close(code=CLOSE_OVERFLOW)
        self._handling += 1
        try:
            return await super().dispatch(message)
        finally:
            self._handling -= 1
            if kind == "websocket.connect":
                self._attach_sink()
            elif kind == "websocket.disconnect":
                self._detach_sink()

    def forwards_now(self, event):
        """Whether ``event``'s frame may be sent as it is, without its handler."""
        return True

    def _attach_sink(self):
        send_now = self.scope.get("extensions", {}).get(SEND_TEXT_NOW)
        attach = getattr(self.channel_layer, "attach", None)
        if send_now is None or attach is None or not self.layer_events:
            return
        kinds = self.layer_events

        def sink(event):
            return (
                not self._handling
                and event["type"] in kinds
                and self.forwards_now(event)
                and send_now(event["text"])
            )

        attach(self.channel_name, sink)

    def _detach_sink(self):
        detach = getattr(self.channel_layer, "detach", None)
        if detach is not None:
            detach(self.channel_name)
