"""
The fan-out channel layers of ``content.layers``, through the Channels layer API.

"Exactly once" is checked without clocks: after the events under test, each
member is sent a direct marker, and the marker must be the very next thing
it receives. The Redis tests run two layer instances (two "processes")
against a real ``redis-server`` started for this module; its fixture marks
them ``redis`` and ``scaleout``, so the fast tiers leave them out.
"""

import asyncio
import logging
from contextlib import contextmanager

import pytest
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from redis import asyncio as aioredis

from content.layers import (
    SEND_TEXT_NOW,
    FanoutInMemoryChannelLayer,
    FanoutRedisChannelLayer,
    Inbox,
    LayerEventDispatchMixin,
)

GUARD = 10  # seconds: only ever a guard against a hang, never an assertion


async def receive(layer, channel):
    return await asyncio.wait_for(layer.receive(channel), GUARD)


async def join(layer, count, group="room"):
    channels = [await layer.new_channel() for _ in range(count)]
    for channel in channels:
        await layer.group_add(group, channel)
    return channels


async def assert_nothing_else_queued(layer, channels, sender=None):
    """Send each channel a marker; it must be the next event received."""
    sender = sender or layer
    for channel in channels:
        await sender.send(channel, {"type": "test.marker", "to": channel})
    for channel in channels:
        assert await receive(layer, channel) == {"type": "test.marker", "to": channel}


@contextmanager
def override_layer(layer, alias="fanout"):
    """Make ``layer`` the consumers' layer under ``alias`` for one test."""
    channel_layers.set(alias, layer)
    try:
        yield
    finally:
        channel_layers.backends.pop(alias, None)


class ServerInput(Inbox):
    """A connection's input as netsite's server gives it (plus the test's ``put``)."""

    __slots__ = ()

    async def put(self, message):
        self.put_nowait(message)


def communicator(app, path, *, inbox):
    """
    A test client of ``app``; with ``inbox``, its input is an ``Inbox`` as
    under netsite's server, so the consumer waits on both sources with one
    future (``receive_either``) instead of Channels' loop.
    """
    member = WebsocketCommunicator(app, path)
    if inbox:
        member._input_queue = ServerInput()
    return member


both_receive_loops = pytest.mark.parametrize(
    "inbox", [False, True], ids=["channels-loop", "one-wait"]
)


def chat_event(number):
    return {"type": "chat.message", "id": number, "text": f'{{"id": {number}}}'}


# The embedded tier ------------------------------------------------------------


async def test_group_send_hands_every_member_the_same_event_object():
    layer = FanoutInMemoryChannelLayer()
    channels = await join(layer, 3)
    event = chat_event(1)

    await layer.group_send("room", event)

    for channel in channels:
        assert await receive(layer, channel) is event


async def test_a_thousand_members_each_receive_an_event_exactly_once():
    layer = FanoutInMemoryChannelLayer()
    channels = await join(layer, 1000)

    await layer.group_send("room", chat_event(1))
    await layer.group_send("room", chat_event(2))

    for channel in channels:
        assert (await receive(layer, channel))["id"] == 1
        assert (await receive(layer, channel))["id"] == 2
    await assert_nothing_else_queued(layer, channels)


async def test_group_send_does_not_reach_other_groups():
    layer = FanoutInMemoryChannelLayer()
    [inside] = await join(layer, 1, group="room")
    [outside] = await join(layer, 1, group="other")

    await layer.group_send("room", chat_event(1))

    assert (await receive(layer, inside))["id"] == 1
    await assert_nothing_else_queued(layer, [outside])


async def test_a_full_member_gets_an_overflow_while_the_others_still_receive(caplog):
    layer = FanoutInMemoryChannelLayer(capacity=3)
    slow, fast = await join(layer, 2)

    with caplog.at_level(logging.WARNING, logger="content.layers"):
        for number in range(1, 7):
            await layer.group_send("room", chat_event(number))
            assert (await receive(layer, fast))["id"] == number

    assert await receive(layer, slow) == {"type": "layer.overflow"}
    await assert_nothing_else_queued(layer, [slow, fast])
    assert layer.overflows == 1
    overflow_logs = [r for r in caplog.records if "overflow" in r.getMessage()]
    assert len(overflow_logs) == 1


async def test_an_overflowed_member_receives_again_once_it_took_the_overflow():
    layer = FanoutInMemoryChannelLayer(capacity=2)
    [member] = await join(layer, 1)
    for number in range(1, 4):
        await layer.group_send("room", chat_event(number))
    assert (await receive(layer, member))["type"] == "layer.overflow"

    await layer.group_send("room", chat_event(4))

    assert (await receive(layer, member))["id"] == 4


async def test_a_stalled_member_is_told_to_resume_then_removed():
    # expiry=0: the sweep runs on every group send instead of once a minute.
    layer = FanoutInMemoryChannelLayer(expiry=0)
    stalled, reader = await join(layer, 2)

    for number in range(1, 5):
        await layer.group_send("room", chat_event(number))
        assert (await receive(layer, reader))["id"] == number

    assert layer.overflows == 1
    # Removed from the group: a later event no longer reaches it...
    await layer.group_send("room", chat_event(5))
    assert (await receive(layer, reader))["id"] == 5
    # ...and what it holds is only what a new mailbox holds: the marker.
    await assert_nothing_else_queued(layer, [stalled, reader])


async def test_group_discard_stops_delivery_to_that_member_only():
    layer = FanoutInMemoryChannelLayer()
    leaving, staying = await join(layer, 2)

    await layer.group_discard("room", leaving)
    await layer.group_send("room", chat_event(1))

    assert (await receive(layer, staying))["id"] == 1
    await assert_nothing_else_queued(layer, [leaving, staying])


async def test_group_discard_of_a_stranger_is_harmless():
    layer = FanoutInMemoryChannelLayer()
    [member] = await join(layer, 1)

    await layer.group_discard("room", "specific.inmemory!nobody")
    await layer.group_discard("nothing-here", member)
    await layer.group_send("room", chat_event(1))

    assert (await receive(layer, member))["id"] == 1


async def test_send_and_receive_round_trip_on_one_channel():
    layer = FanoutInMemoryChannelLayer()
    channel = await layer.new_channel(prefix="healthz.")

    await layer.send(channel, {"type": "healthz.ping", "token": "abc"})

    assert await receive(layer, channel) == {"type": "healthz.ping", "token": "abc"}


async def test_a_direct_send_to_a_full_channel_raises_channel_full():
    layer = FanoutInMemoryChannelLayer(capacity=1)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "first"})

    with pytest.raises(ChannelFull):
        await layer.send(channel, {"type": "second"})
    assert await receive(layer, channel) == {"type": "first"}


async def test_flush_forgets_every_member():
    layer = FanoutInMemoryChannelLayer()
    [member] = await join(layer, 1)

    await layer.flush()
    await layer.group_send("room", chat_event(1))

    await assert_nothing_else_queued(layer, [member])


async def test_receive_either_takes_both_sources_in_turn():
    layer = FanoutInMemoryChannelLayer()
    [channel] = await join(layer, 1)
    inbox = Inbox()
    for number in range(3):
        await layer.group_send("room", chat_event(number))
        inbox.put_nowait({"type": "websocket.receive", "text": str(number)})

    taken = [
        await asyncio.wait_for(layer.receive_either(channel, inbox), GUARD)
        for _ in range(6)
    ]
    sources = ["client" if m["type"] == "websocket.receive" else "room" for m in taken]
    assert sources in (["room", "client"] * 3, ["client", "room"] * 3)
    assert [m for m in taken if m["type"] == "chat.message"] == [
        chat_event(number) for number in range(3)
    ]


async def test_receive_either_waits_for_whichever_comes_and_counts_as_waiting():
    layer = FanoutInMemoryChannelLayer()
    [channel] = await join(layer, 1)
    inbox = Inbox()
    for source in ("channel", "inbox"):
        waiting = asyncio.ensure_future(layer.receive_either(channel, inbox))
        await asyncio.sleep(0)
        assert layer.mailboxes[channel].waiting == 1  # a sink may take events
        if source == "channel":
            await layer.group_send("room", chat_event(2))
            assert await asyncio.wait_for(waiting, GUARD) == chat_event(2)
        else:
            inbox.put_nowait({"type": "websocket.disconnect"})
            assert await asyncio.wait_for(waiting, GUARD) == {
                "type": "websocket.disconnect"
            }
        assert layer.mailboxes[channel].waiting == 0


async def test_a_cancelled_receive_either_takes_nothing_from_either_source():
    layer = FanoutInMemoryChannelLayer()
    [channel] = await join(layer, 1)
    inbox = Inbox()
    waiting = asyncio.ensure_future(layer.receive_either(channel, inbox))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    inbox.put_nowait({"type": "websocket.disconnect"})
    await layer.group_send("room", chat_event(3))

    assert inbox.qsize() == 1
    assert await receive(layer, channel) == chat_event(3)


async def test_forget_channel_drops_the_mailbox_of_a_member_that_left():
    layer = FanoutInMemoryChannelLayer()
    [channel] = await join(layer, 1)
    await layer.send(channel, {"type": "test.marker"})
    await layer.forget_channel(channel)  # still a member of a group: kept
    assert await receive(layer, channel) == {"type": "test.marker"}
    await layer.group_discard("room", channel)
    await layer.forget_channel(channel)

    assert channel not in layer.mailboxes


def test_the_site_uses_the_fanout_layer_and_its_health_check_passes(client, db):
    assert isinstance(get_channel_layer(), FanoutInMemoryChannelLayer)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["channel_layer"] == "ok"


# The scale-out tier: a real redis-server ----------------------------------------


@pytest.fixture
def redis_url(redis_server):
    """A redis-server of this module's own (the fixture marks the test ``redis``)."""
    return redis_server.url


@pytest.fixture
async def processes(redis_url):
    """Two layers on one Redis: what two daphne processes would hold."""
    layers = [FanoutRedisChannelLayer(hosts=[redis_url]) for _ in range(2)]
    yield layers
    for layer in layers:
        await layer.flush()


@pytest.fixture
async def redis_client(redis_url):
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def wait_for_subscribers(client, name, count):
    """Wait until Redis has ``count`` subscribers of ``name`` (SUBSCRIBE is async)."""
    for _attempt in range(200):
        [(_name, subscribers)] = await client.pubsub_numsub(name)
        if subscribers == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never had {count} subscribers")


async def test_redis_group_send_reaches_each_member_of_each_process_once_in_order(
    processes, redis_client
):
    first, second = processes
    on_first = await join(first, 3)
    on_second = await join(second, 3)
    await wait_for_subscribers(redis_client, "asgi__group__room", 2)

    for number in range(1, 6):
        await first.group_send("room", chat_event(number))

    for layer, channels in ((first, on_first), (second, on_second)):
        received = {}
        for channel in channels:
            received[channel] = [await receive(layer, channel) for _ in range(5)]
            assert [event["id"] for event in received[channel]] == [1, 2, 3, 4, 5]
        # Deserialised once per process: the members share each event object.
        one, *others = received.values()
        for events in others:
            assert all(a is b for a, b in zip(one, events, strict=True))
        await assert_nothing_else_queued(layer, channels, sender=first)


async def test_redis_group_send_from_a_third_process_reaches_the_servers(
    processes, redis_client, redis_url
):
    # What `manage.py say` does: publish from a process with no members.
    first, second = processes
    [member_1] = await join(first, 1)
    [member_2] = await join(second, 1)
    await wait_for_subscribers(redis_client, "asgi__group__room", 2)
    command = FanoutRedisChannelLayer(hosts=[redis_url])
    try:
        await command.group_send("room", chat_event(7))
    finally:
        await command.flush()

    assert (await receive(first, member_1))["id"] == 7
    assert (await receive(second, member_2))["id"] == 7


async def test_redis_direct_send_reaches_a_channel_of_another_process(
    processes, redis_client
):
    first, second = processes
    channel = await second.new_channel(prefix="healthz.")
    await wait_for_subscribers(redis_client, channel, 1)

    await first.send(channel, {"type": "healthz.ping", "token": "abc"})

    assert await receive(second, channel) == {"type": "healthz.ping", "token": "abc"}


async def test_redis_receive_either_gets_a_group_event_from_another_process(
    processes, redis_client
):
    here, there = processes
    [channel] = await join(here, 1)
    await wait_for_subscribers(redis_client, "asgi__group__room", 1)
    waiting = asyncio.ensure_future(here.receive_either(channel, Inbox()))
    await there.group_send("room", chat_event(4))

    assert await asyncio.wait_for(waiting, GUARD) == chat_event(4)


async def test_redis_group_discard_stops_delivery(processes, redis_client):
    first, second = processes
    leaving, staying = await join(second, 2)
    await wait_for_subscribers(redis_client, "asgi__group__room", 1)

    await second.group_discard("room", leaving)
    await first.group_send("room", chat_event(1))

    assert (await receive(second, staying))["id"] == 1
    await assert_nothing_else_queued(second, [leaving, staying], sender=first)


async def test_redis_full_member_gets_an_overflow_while_others_receive(
    redis_url, redis_client
):
    sender = FanoutRedisChannelLayer(hosts=[redis_url])
    server = FanoutRedisChannelLayer(hosts=[redis_url], capacity=2)
    try:
        slow, fast = await join(server, 2)
        await wait_for_subscribers(redis_client, "asgi__group__room", 1)

        for number in range(1, 5):
            await sender.group_send("room", chat_event(number))
            assert (await receive(server, fast))["id"] == number

        assert await receive(server, slow) == {"type": "layer.overflow"}
        assert server.overflows == 1
        await assert_nothing_else_queued(server, [slow, fast], sender=sender)
    finally:
        await sender.flush()
        await server.flush()


async def settle():
    """Let the tasks just started run up to their first wait."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_sink_takes_events_only_while_its_member_waits_with_nothing_queued():
    layer = FanoutInMemoryChannelLayer()
    [channel] = await join(layer, 1)
    forwarded, accept = [], [True]

    def sink(event):
        if accept[0]:
            forwarded.append(event["id"])
        return accept[0]

    waiting = asyncio.ensure_future(receive(layer, channel))
    await settle()  # the member now waits for its next event
    # As a consumer does: once its channel is in use (its mailbox exists).
    layer.attach(channel, sink)

    await layer.group_send("room", chat_event(1))
    assert forwarded == [1]  # sent by the sink, nothing queued

    accept[0] = False  # the sink declines: queued, and the member wakes
    await layer.group_send("room", chat_event(2))
    accept[0] = True
    # Not waiting yet (it is handling event 2): 3 queues behind it.
    await layer.group_send("room", chat_event(3))
    assert (await waiting)["id"] == 2
    assert (await receive(layer, channel))["id"] == 3
    assert forwarded == [1]

    accept[0] = False
    waiting = asyncio.ensure_future(receive(layer, channel))
    await settle()
    await layer.group_send("room", chat_event(4))  # declined: queued
    accept[0] = True
    await layer.group_send("room", chat_event(5))  # behind 4, not around it
    assert (await waiting)["id"] == 4
    assert (await receive(layer, channel))["id"] == 5

    waiting = asyncio.ensure_future(receive(layer, channel))
    await settle()
    layer.detach(channel)
    await layer.group_send("room", chat_event(6))
    assert (await waiting)["id"] == 6
    assert forwarded == [1]


# The consumer side: LayerEventDispatchMixin -------------------------------------


class RoomConsumer(LayerEventDispatchMixin, AsyncWebsocketConsumer):
    channel_layer_alias = "fanout"
    layer_events = {"chat.message"}

    async def connect(self):
        await self.channel_layer.group_add("room", self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard("room", self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(
            "room", {"type": "chat.message", "text": text_data.upper()}
        )

    async def chat_message(self, event):
        await self.send(text_data=event["text"])

    async def layer_overflow(self, event):
        await self.close(code=4409)


# Channels closes stale DB connections on connect: that counts as DB access.
@pytest.mark.django_db(transaction=True)
@both_receive_loops
async def test_a_consumer_forwards_group_events_through_the_mixin(inbox):
    layer = FanoutInMemoryChannelLayer()
    app = RoomConsumer.as_asgi()
    with override_layer(layer):
        first = communicator(app, "/ws/room/", inbox=inbox)
        second = communicator(app, "/ws/room/", inbox=inbox)
        try:
            assert (await first.connect())[0]
            assert (await second.connect())[0]
            await first.send_to(text_data="hello")
            assert await first.receive_from(GUARD) == "HELLO"
            assert await second.receive_from(GUARD) == "HELLO"
        finally:
            await first.disconnect()
            await second.disconnect()


# Channels closes stale DB connections on connect: that counts as DB access.
@pytest.mark.django_db(transaction=True)
@both_receive_loops
async def test_a_server_that_sends_now_gets_the_frames_of_idle_members_only(inbox):
    layer = FanoutInMemoryChannelLayer()
    app = RoomConsumer.as_asgi()
    sent_now = {"sender": [], "idle": []}

    def send_now(name):
        def send(text):
            sent_now[name].append(text)
            return True

        return send

    with override_layer(layer):
        sender = communicator(app, "/ws/room/", inbox=inbox)
        idle = communicator(app, "/ws/room/", inbox=inbox)
        for name, member in (("sender", sender), ("idle", idle)):
            # What netsite's server puts in each WebSocket scope.
            member.scope["extensions"] = {SEND_TEXT_NOW: send_now(name)}
        try:
            assert (await sender.connect())[0]
            assert (await idle.connect())[0]
            await sender.send_to(text_data="hello")
            # The sender is busy handling its frame when the event comes: it
            # gets it through its consumer, after what it is doing; the idle
            # member's goes out at once, and only that way.
            assert await sender.receive_from(GUARD) == "HELLO"
            assert sent_now == {"sender": [], "idle": ["HELLO"]}
            assert await idle.receive_nothing()
        finally:
            await sender.disconnect()
            await idle.disconnect()


# Channels closes stale DB connections on connect: that counts as DB access.
@pytest.mark.django_db(transaction=True)
@both_receive_loops
async def test_a_consumer_that_falls_behind_is_closed_with_4409(inbox):
    layer = FanoutInMemoryChannelLayer(capacity=2)
    app = RoomConsumer.as_asgi()
    with override_layer(layer):
        member = communicator(app, "/ws/room/", inbox=inbox)
        try:
            assert (await member.connect())[0]
            # Three events land before the consumer's receive loop runs again.
            for number in range(3):
                await layer.group_send("room", chat_event(number))
            assert await member.receive_output(GUARD) == {
                "type": "websocket.close",
                "code": 4409,
            }
        finally:
            await member.disconnect()


class TurnCountingRoomConsumer(RoomConsumer):
    """Notes, for each event it sends, how many event-loop turns had passed."""

    turns = turns_seen = None  # set by the test

    async def chat_message(self, event):
        self.turns_seen.append(self.turns[0])
        await super().chat_message(event)


# Channels closes stale DB connections on connect: that counts as DB access.
@pytest.mark.django_db(transaction=True)
@both_receive_loops
async def test_a_backlog_goes_out_one_event_per_turn_of_the_event_loop(inbox):
    # The server writes a frame to its socket only when the loop turns: a
    # backlog sent in one go would land in the send buffer all at once.
    layer = FanoutInMemoryChannelLayer()
    app = TurnCountingRoomConsumer.as_asgi()
    turns = TurnCountingRoomConsumer.turns = [0]
    TurnCountingRoomConsumer.turns_seen = seen = []

    async def count_turns():
        while True:
            turns[0] += 1
            await asyncio.sleep(0)

    with override_layer(layer):
        member = communicator(app, "/ws/room/", inbox=inbox)
        counter = asyncio.ensure_future(count_turns())
        try:
            assert (await member.connect())[0]
            for number in range(20):  # queued before the consumer runs again
                await layer.group_send("room", chat_event(number))
            for number in range(20):
                assert await member.receive_from(GUARD) == f'{{"id": {number}}}'
            assert len(seen) == 20
            assert seen == sorted(set(seen))  # each on a turn of its own
        finally:
            counter.cancel()
            await member.disconnect()
