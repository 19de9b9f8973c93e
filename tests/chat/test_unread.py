"""
Unread counts: a read pointer per member and room that only moves forward,
counts for every room in one query, the room page's "new messages" line,
the socket's ``read`` frame and the room list told live.
"""

import pytest
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from django.test import Client

from chat import services
from chat.models import ReadPointer, Room
from chat.views import HISTORY
from tests.chat.conftest import receive, send
from tests.content.conftest import socket_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user("ada")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob")


def say(room, text, author=None):
    return services.post_message(
        room=room, text=text, author=author, display_name=None if author else "kim"
    )[0]


def unread(user):
    return dict(Room.objects.with_unread(user).values_list("slug", "unread"))


def test_counts_per_room_for_others_visible_messages_after_the_pointer(
    room, other_room, ada, bob
):
    services.mark_read(user=ada, room=room)
    services.mark_read(user=ada, room=other_room)
    say(room, "one", bob)
    say(room, "two")  # a guest's
    say(room, "mine", ada)  # one's own is never unread
    hidden = say(room, "hidden", bob)
    services.hide_messages([hidden.pk], by=None, via="command")
    say(other_room, "there", bob)
    assert unread(ada) == {"lobby": 2, "kitchen": 1}
    assert unread(bob) == {"lobby": None, "kitchen": None}  # never opened
    assert unread(None) == {"lobby": None, "kitchen": None}


def test_the_pointer_never_moves_backwards_nor_past_the_newest(room, ada, bob):
    first, second = say(room, "one", bob), say(room, "two", bob)
    assert services.mark_read(user=ada, room=room, message_id=second.pk) == (
        second.pk,
        0,
    )
    assert services.mark_read(user=ada, room=room, message_id=first.pk) == (
        second.pk,
        0,
    )
    assert services.mark_read(user=ada, room=room, message_id=10**12) == (second.pk, 0)
    assert ReadPointer.objects.get(user=ada, room=room).message_id == second.pk


def test_viewing_the_newest_page_reads_it_and_shows_the_new_line_once(room, ada, bob):
    browser = Client()
    browser.force_login(ada)
    seen = say(room, "seen", bob)
    browser.get("/chat/lobby/")
    assert ReadPointer.objects.get(user=ada, room=room).message_id == seen.pk
    fresh = say(room, "fresh", bob)
    page = browser.get("/chat/lobby/").content.decode()
    line = page.index('id="new-messages"')
    assert page.index(f'id="message-{seen.pk}"') < line
    assert line < page.index(f'id="message-{fresh.pk}"')
    assert 'id="new-messages"' not in browser.get("/chat/lobby/").content.decode()


def test_an_old_page_does_not_move_the_pointer(room, ada, bob):
    browser = Client()
    browser.force_login(ada)
    first = say(room, "one", bob)
    services.mark_read(user=ada, room=room, message_id=0)
    for i in range(HISTORY):
        say(room, f"later {i}", bob)
    browser.get(f"/chat/lobby/m/{first.pk}/")
    browser.get(f"/chat/lobby/?before={first.pk + 1}")
    assert ReadPointer.objects.get(user=ada, room=room).message_id == 0


def test_the_room_list_shows_each_rooms_unread_count(room, other_room, ada, bob):
    browser = Client()
    browser.force_login(ada)
    browser.get("/chat/lobby/")
    say(room, "one", bob)
    say(room, "two", bob)
    page = browser.get("/chat/").content.decode()
    assert 'data-unread="2"' in page
    assert "2 unread" in page
    assert page.count('class="unread badge"') == 1  # Kitchen: never opened


def test_the_api_lists_unread_counts_and_marks_read(room, ada, bob):
    client = APIClient()
    client.force_authenticate(ada)
    first = say(room, "one", bob)
    response = client.post("/api/rooms/lobby/read/", {"message_id": 0}, format="json")
    assert response.json() == {"room": "lobby", "message_id": 0, "unread": 1}
    say(room, "two", bob)
    rooms = {r["slug"]: r for r in client.get("/api/rooms/").json()["results"]}
    assert rooms["lobby"]["unread"] == 2
    response = client.post(
        "/api/rooms/lobby/read/", {"message_id": first.pk}, format="json"
    )
    assert response.json() == {"room": "lobby", "message_id": first.pk, "unread": 1}
    response = client.post("/api/rooms/lobby/read/", {}, format="json")
    assert response.json()["unread"] == 0
    response = client.post(
        "/api/rooms/lobby/read/", {"message_id": first.pk}, format="json"
    )
    assert response.json()["unread"] == 0  # never backwards
    response = client.post("/api/rooms/lobby/read/", {"message_id": "x"}, format="json")
    assert response.status_code == 400
    assert APIClient().post("/api/rooms/lobby/read/", {}).status_code == 401
    assert APIClient().get("/api/rooms/").json()["results"][0]["unread"] is None


def test_the_api_lists_rooms_by_activity(room, other_room):
    say(room, "hi")
    results = APIClient().get("/api/rooms/?ordering=-last_active").json()["results"]
    assert [r["slug"] for r in results] == ["lobby", "kitchen"]
    say(other_room, "hi")
    results = APIClient().get("/api/rooms/?ordering=-last_active").json()["results"]
    assert [r["slug"] for r in results] == ["kitchen", "lobby"]


@pytest.mark.django_db(transaction=True)
async def test_a_read_frame_moves_the_pointer_and_tells_the_members_room_list(
    room, ada, bob
):
    message = await sync_to_async(say)(room, "hi", bob)
    await sync_to_async(services.mark_read)(user=ada, room=room, message_id=0)
    listing = await socket_as(ada, "/ws/rooms/")
    page = await socket_as(ada, "/ws/chat/lobby/")
    assert (await listing.connect())[0]
    assert (await page.connect())[0]
    try:
        await send(page, {"type": "read", "id": message.pk})
        assert await receive(listing) == {
            "type": "read",
            "room": "lobby",
            "id": message.pk,
            "unread": 0,
        }
        await send(page, {"type": "read", "id": "x"})
        assert (await receive(page))["code"] == "bad_json"
    finally:
        await page.disconnect()
        await listing.disconnect()
    pointer = await sync_to_async(ReadPointer.objects.get)(user=ada, room=room)
    assert pointer.message_id == message.pk


@pytest.mark.django_db(transaction=True)
async def test_a_guests_read_frame_is_refused(room):
    page = await socket_as(None, "/ws/chat/lobby/")
    assert (await page.connect())[0]
    try:
        await send(page, {"type": "read", "id": 1})
        assert (await receive(page))["code"] == "forbidden"
    finally:
        await page.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_read_frames_do_not_count_against_the_chat_rate(room, ada, settings):
    settings.NETSITE_CHAT_RATE = (1, 60)
    page = await socket_as(ada, "/ws/chat/lobby/")
    assert (await page.connect())[0]
    try:
        for _ in range(3):
            await send(page, {"type": "read", "id": 0})
        await send(page, {"type": "message", "text": "hi", "client_id": "a"})
        assert (await receive(page))["type"] in ("ack", "message")
    finally:
        await page.disconnect()
