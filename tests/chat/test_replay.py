"""Resuming with ?after=<id>: replay, then live, with no gap and no duplicate."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from chat import consumers, services
from chat.models import Message
from tests.chat.conftest import connect_to, frames_before, post_sentinel, receive

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def post(**kwargs):
    return services.post_message(**kwargs)[0]


async def receive_all(communicator, room, count):
    """
    Return the next ``count`` frames, then check that nothing else comes: a
    message posted after them must be the next frame. The consumer sends its
    replay while handling the connect, and room events only after that, so
    anything extra the replay or the live stream sends lands before it.
    """
    frames = [await receive(communicator) for _ in range(count)]
    assert await frames_before(communicator, await post_sentinel(room)) == []
    return frames


async def test_it_replays_only_visible_messages_after_the_given_id(room):
    first = await post(room=room, text="seen")
    second = await post(room=room, text="missed")
    hidden = await post(room=room, text="hidden")
    moderator = None
    await sync_to_async(services.hide_messages)([hidden], by=moderator, via="command")
    third = await post(room=room, text="missed too")
    client = connect_to(f"/ws/chat/{room.slug}/?after={first.pk}")
    assert (await client.connect())[0]
    try:
        frames = await receive_all(client, room, 2)
        assert [f["id"] for f in frames] == [second.pk, third.pk]
        assert [f["text"] for f in frames] == ["missed", "missed too"]
    finally:
        await client.disconnect()


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_message_posted_during_the_replay_arrives_exactly_once(
    room, monkeypatch, when
):
    """
    A message committed between joining the group and the replay query is in
    both the replay and the live queue; one committed after the query is only
    in the live queue. Either way the client sees it once.
    """
    old = await post(room=room, text="old")
    original = consumers._replay
    racing = []

    async def replay_with_a_race(room_, after):
        if when == "before":
            racing.append(await post(room=room, text="racing"))
        rows = await original(room_, after)
        if when == "after":
            racing.append(await post(room=room, text="racing"))
        return rows

    monkeypatch.setattr(consumers, "_replay", replay_with_a_race)
    client = connect_to(f"/ws/chat/{room.slug}/?after=0")
    assert (await client.connect())[0]
    try:
        ids = [f["id"] for f in await receive_all(client, room, 2)]
        assert ids == [old.pk, racing[0].pk]
    finally:
        await client.disconnect()


async def test_concurrent_posting_during_resume_loses_and_repeats_nothing(room):
    for n in range(20):
        await post(room=room, text=f"before {n}")

    async def writer():
        for n in range(30):
            await post(room=room, text=f"during {n}")
            await asyncio.sleep(0)

    clients = []
    task = asyncio.ensure_future(writer())
    try:
        for _ in range(5):
            client = connect_to(f"/ws/chat/{room.slug}/?after=0")
            assert (await client.connect())[0]
            clients.append(client)
        await task
        expected = await sync_to_async(
            lambda: list(Message.objects.order_by("id").values_list("id", flat=True))
        )()
        for client in clients:
            frames = [await receive(client) for _ in expected]
            assert sorted(f["id"] for f in frames) == expected
        # ...and not one frame more: no message twice.
        sentinel = await post_sentinel(room)
        for client in clients:
            assert await frames_before(client, sentinel) == []
    finally:
        for client in clients:
            await client.disconnect()


async def test_a_long_absence_is_truncated_with_the_next_resume_point(
    room, monkeypatch
):
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 5)
    ids = [(await post(room=room, text=f"m{n}")).pk for n in range(8)]
    client = connect_to(f"/ws/chat/{room.slug}/?after=0")
    assert (await client.connect())[0]
    try:
        frames = await receive_all(client, room, 6)
        assert [f["id"] for f in frames[:5]] == ids[:5]
        assert frames[5] == {"type": "replay_truncated", "next_after": ids[4]}
        live = await post(room=room, text="live")
        assert (await receive(client))["id"] == live.pk
    finally:
        await client.disconnect()
