"""
Typing indicators over the room socket: relayed to the others who asked for
presence, never back to the typist's own sockets, never stored, at most one
per ``TYPING_INTERVAL`` per socket (extras dropped without an error).
"""

import pytest
from asgiref.sync import sync_to_async

from chat import consumers, presence
from chat.models import Message
from content import bans
from tests.chat.conftest import receive, send
from tests.chat.test_presence import ada, bob, opened  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch):
    monkeypatch.setattr(presence, "DEBOUNCE", 0.05)


async def next_typing(client, timeout=3):
    while True:
        frame = await receive(client, timeout=timeout)
        if frame["type"] == "typing":
            return frame


async def settled(*clients):
    """Let each socket's presence frames arrive, then drop them."""
    for client in clients:
        while not await client.receive_nothing(timeout=0.2):
            await client.receive_from()


async def test_typing_reaches_the_others_and_not_the_typist(room, ada, bob):  # noqa: F811
    typist, other_tab, reader = (
        await opened(ada, room),
        await opened(ada, room),
        await opened(bob, room),
    )
    try:
        await settled(typist, other_tab, reader)
        await send(typist, {"type": "typing"})
        assert await next_typing(reader) == {
            "type": "typing",
            "name": "ada",
            "guest": False,
        }
        assert await typist.receive_nothing(timeout=0.3)
        assert await other_tab.receive_nothing(timeout=0.1)
    finally:
        for client in (typist, other_tab, reader):
            await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 0


async def test_a_guest_typing_shows_their_name_unless_it_is_taken(
    room,
    ada,  # noqa: F811
    bob,  # noqa: F811
    monkeypatch,
):
    reader = await opened(bob, room)
    guest = await opened(None, room, address="198.51.100.3")
    try:
        await settled(reader, guest)
        await send(guest, {"type": "typing", "name": "  Zoë  "})
        assert await next_typing(reader) == {
            "type": "typing",
            "name": "Zoë",
            "guest": True,
        }
        monkeypatch.setattr(consumers, "TYPING_INTERVAL", 0)
        # A member's name is not the guest's to show.
        await send(guest, {"type": "typing", "name": "ada"})
        assert (await next_typing(reader))["name"] == "guest"
        await send(guest, {"type": "typing", "name": 7})
        assert (await next_typing(reader))["name"] == "guest"
    finally:
        await reader.disconnect()
        await guest.disconnect()


async def test_typing_frames_beyond_the_rate_are_dropped_silently(room, ada, bob):  # noqa: F811
    typist, reader = await opened(ada, room), await opened(bob, room)
    try:
        await settled(typist, reader)
        for _ in range(5):
            await send(typist, {"type": "typing"})
        await next_typing(reader)
        assert await reader.receive_nothing(timeout=0.5)
        # No error frame either, and messages are not held back by typing.
        assert await typist.receive_nothing(timeout=0.1)
        await send(typist, {"type": "message", "text": "hello", "client_id": "h"})
        assert (await receive(typist))["type"] == "ack"
    finally:
        await typist.disconnect()
        await reader.disconnect()


async def test_sockets_that_did_not_ask_for_presence_get_no_typing(room, ada, bob):  # noqa: F811
    typist = await opened(ada, room)
    quiet = await opened(bob, room, query="")
    try:
        await settled(typist, quiet)
        await send(typist, {"type": "typing"})
        assert await quiet.receive_nothing(timeout=0.5)
    finally:
        await typist.disconnect()
        await quiet.disconnect()


async def test_a_banned_member_typing_is_not_relayed(room, ada, bob):  # noqa: F811
    await sync_to_async(bans.ban)(user=ada, reason="spam", by=bob, via="command")
    typist, reader = await opened(ada, room), await opened(bob, room)
    try:
        await settled(typist, reader)
        await send(typist, {"type": "typing"})
        assert await reader.receive_nothing(timeout=0.5)
    finally:
        await typist.disconnect()
        await reader.disconnect()
