"""
Presence over the room socket: who is in the room, members by name and a
guest count, sent to sockets that ask for it (``?presence=1``) and updated as
people come and go; several tabs of one person count once.
"""

import pytest
from asgiref.sync import sync_to_async

from django.test import Client

from chat import presence
from tests.chat.conftest import receive
from tests.content.conftest import socket_as

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_debounce(monkeypatch):
    monkeypatch.setattr(presence, "DEBOUNCE", 0.05)


async def opened(user, room, *, address="127.0.0.1", query="?presence=1"):
    client = await socket_as(user, f"/ws/chat/{room.slug}/{query}", address)
    assert (await client.connect())[0]
    return client


async def presence_until(client, members, guests=0):
    """Return the presence frames up to the one showing ``members``, ``guests``."""
    seen = []
    while True:
        frame = await receive(client, timeout=5)
        if frame["type"] != "presence":
            continue
        seen.append(frame)
        if frame["members"] == members and frame["guests"] == guests:
            return seen


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user("ada")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob")


async def test_a_new_socket_is_told_who_is_there_at_once(room, ada, bob):
    first = await opened(ada, room)
    try:
        assert await receive(first) == {
            "type": "presence",
            "members": ["ada"],
            "guests": 0,
        }
        second = await opened(bob, room)
        try:
            assert await receive(second) == {
                "type": "presence",
                "members": ["ada", "bob"],
                "guests": 0,
            }
            await presence_until(first, ["ada", "bob"])
        finally:
            await second.disconnect()
        await presence_until(first, ["ada"])
    finally:
        await first.disconnect()


async def test_a_person_with_several_tabs_counts_once_and_leaves_with_the_last(
    room, ada, bob
):
    watcher = await opened(bob, room)
    tabs = [await opened(ada, room), await opened(ada, room)]
    try:
        await presence_until(watcher, ["ada", "bob"])
        await tabs[0].disconnect()
        # The other tab keeps ada here: no frame says otherwise.
        second = await opened(None, room, address="198.51.100.7")
        try:
            frames = await presence_until(watcher, ["ada", "bob"], guests=1)
            assert all("ada" in frame["members"] for frame in frames)
        finally:
            await second.disconnect()
        await presence_until(watcher, ["ada", "bob"])
        await tabs[1].disconnect()
        await presence_until(watcher, ["bob"])
    finally:
        await watcher.disconnect()


async def test_guests_are_counted_by_address_or_session_never_named(room, bob):
    watcher = await opened(bob, room)
    guests = [
        await opened(None, room, address="198.51.100.1"),
        await opened(None, room, address="198.51.100.1"),
        await opened(None, room, address="198.51.100.2"),
    ]
    try:
        frames = await presence_until(watcher, ["bob"], guests=2)
        assert all(frame["members"] == ["bob"] for frame in frames)
    finally:
        for guest in guests:
            await guest.disconnect()
        await presence_until(watcher, ["bob"], guests=0)
        await watcher.disconnect()


async def test_sockets_that_did_not_ask_are_counted_but_get_no_presence_frames(
    room, ada, bob
):
    quiet = await opened(ada, room, query="")
    watcher = await opened(bob, room)
    try:
        await presence_until(watcher, ["ada", "bob"])
        other = await opened(None, room, address="198.51.100.9")
        await presence_until(watcher, ["ada", "bob"], guests=1)
        await other.disconnect()
        await presence_until(watcher, ["ada", "bob"])
        assert await quiet.receive_nothing(timeout=0.3)
    finally:
        await quiet.disconnect()
        await watcher.disconnect()


async def test_a_reload_changes_nothing_and_sends_nothing(room, ada, bob):
    watcher = await opened(bob, room)
    tab = await opened(ada, room)
    try:
        await presence_until(watcher, ["ada", "bob"])
        await tab.disconnect()
        tab = await opened(ada, room)  # within the debounce: a reload
        assert await watcher.receive_nothing(timeout=0.5)
    finally:
        await tab.disconnect()
        await watcher.disconnect()


async def test_the_room_page_shows_who_is_there_without_javascript(room, ada, bob):
    watcher = await opened(bob, room)
    try:
        await receive(watcher)  # counted and written to the cache
        await presence_until(watcher, ["bob"])
        page = await sync_to_async(Client().get)(room.get_absolute_url())
        html = page.content.decode()
        assert 'id="chat-presence"' in html
        assert "bob" in html.split('id="chat-presence"')[1].split("</p>")[0]
    finally:
        await watcher.disconnect()
