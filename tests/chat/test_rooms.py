"""
Rooms: unique titles at every door, a topic, and the list sorted by activity
and updated live over /ws/rooms/.
"""

import pytest
from asgiref.sync import sync_to_async

from django.core.management import CommandError, call_command
from django.test import Client

from chat import services
from chat.models import Room
from content.models import AuditEntry
from tests.chat.conftest import connect_to, receive
from tests.content.conftest import moderators_group, socket_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf(browser, url):
    browser.get(url)
    return browser.cookies["csrftoken"].value


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user("ada", password="pw-ada-12345")


def test_the_form_refuses_a_title_that_reads_like_another_rooms(browser, ada):
    services.create_room(title="Lobby")
    browser.force_login(ada)
    token = csrf(browser, "/chat/")
    for title in ("Lobby", "lobby", " LOBBY ", "L\u043ebby"):  # Cyrillic о
        response = browser.post(
            "/chat/", {"title": title, "topic": "", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "There is already a room called “Lobby”" in page
        assert 'href="/chat/lobby/"' in page or "(/chat/lobby/)" in page
    assert list(Room.objects.values_list("slug", flat=True)) == ["lobby"]


def test_the_form_sets_a_topic_shown_in_the_header_and_the_list(browser, ada):
    browser.force_login(ada)
    token = csrf(browser, "/chat/")
    response = browser.post(
        "/chat/",
        {"title": "Music", "topic": "Records & gigs", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 303
    assert "Records &amp; gigs" in browser.get("/chat/").content.decode()
    assert "Records &amp; gigs" in browser.get("/chat/music/").content.decode()


def test_the_creator_changes_the_topic_and_others_may_not(
    browser, ada, django_user_model
):
    room = services.create_room(title="Music", created_by=ada)
    browser.force_login(ada)
    token = csrf(browser, room.get_absolute_url())
    response = browser.post(
        "/chat/music/topic/", {"topic": "Jazz only", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303
    room.refresh_from_db()
    assert room.topic == "Jazz only"
    assert not AuditEntry.objects.exists()  # one's own room: not moderation

    other = Client(enforce_csrf_checks=True)
    other.force_login(django_user_model.objects.create_user("bob"))
    token = csrf(other, room.get_absolute_url())
    assert "Change the topic" not in other.get("/chat/music/").content.decode()
    response = other.post(
        "/chat/music/topic/", {"topic": "Mine now", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403
    room.refresh_from_db()
    assert room.topic == "Jazz only"


def test_a_too_long_topic_is_a_form_error(browser, ada):
    services.create_room(title="Music", created_by=ada)
    browser.force_login(ada)
    token = csrf(browser, "/chat/music/")
    response = browser.post(
        "/chat/music/topic/", {"topic": "x" * 301, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 400
    assert "300 characters" in response.content.decode()


def test_a_moderators_change_of_a_topic_is_logged(django_user_model):
    room = services.create_room(title="Music")
    moderator = django_user_model.objects.create_user("mo", is_staff=True)
    moderator.groups.add(moderators_group())
    services.update_room(room=room, topic="Calm down", by=moderator, via="chat")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor_name) == ("edit", "chat", "mo")


def test_the_api_sets_and_changes_a_topic(ada):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(ada)
    response = client.post(
        "/api/rooms/", {"title": "Music", "topic": "Records"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["topic"] == "Records"
    response = client.patch("/api/rooms/music/", {"topic": "Gigs"}, format="json")
    assert response.status_code == 200
    assert response.json()["topic"] == "Gigs"
    response = client.patch("/api/rooms/music/", {"topic": "x" * 301}, format="json")
    assert response.status_code == 400
    assert "300 characters" in str(response.json())


def test_the_command_creates_a_room_and_refuses_a_taken_title(capsys):
    call_command("room", "create", "Lobby", "--topic", "Say hello")
    assert "/chat/lobby/" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already a room called “Lobby”"):
        call_command("room", "create", "LOBBY")
    call_command("room", "topic", "lobby", "Say hi")
    assert Room.objects.get().topic == "Say hi"
    with pytest.raises(CommandError, match="no room"):
        call_command("room", "topic", "nowhere", "x")


def test_the_admin_refuses_a_taken_title_on_the_field(django_user_model):
    services.create_room(title="Lobby")
    admin = django_user_model.objects.create_superuser("root", password="pw")
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/admin/chat/room/add/", {"title": "lobby", "topic": ""}, follow=False
    )
    assert response.status_code == 200  # the form again, with the error
    assert "There is already a room called “Lobby”" in response.content.decode()
    assert Room.objects.count() == 1


def test_two_concurrent_creates_of_one_title_store_one_room(monkeypatch):
    from django.core.exceptions import ValidationError

    # The second create passed the check before the first was stored: the
    # unique constraint refuses it, and it says so with the same error.
    services.create_room(title="Lobby")
    check, calls = services.refuse_taken_title, []

    def raced(title, **kwargs):
        calls.append(title)
        if len(calls) > 1:
            check(title, **kwargs)

    monkeypatch.setattr(services, "refuse_taken_title", raced)
    with pytest.raises(ValidationError) as refused:
        services.create_room(title="lobby")
    assert refused.value.error_dict["title"][0].code == "title_taken"
    assert Room.objects.count() == 1


def test_the_list_sorts_by_the_last_message_and_ignores_older_ids():
    first, second = services.create_room(title="One"), services.create_room(title="Two")
    message, _ = services.post_message(room=first, text="hi")
    page = Client().get("/chat/").content.decode()
    assert page.index(">One<") < page.index(">Two<")
    first.refresh_from_db()
    assert first.last_message_id == message.pk
    assert first.last_active == message.created
    services.post_message(room=second, text="hi")
    page = Client().get("/chat/").content.decode()
    assert page.index(">Two<") < page.index(">One<")


def test_the_room_list_is_one_query_however_many_rooms(
    ada, django_assert_max_num_queries
):
    browser = Client()
    browser.force_login(ada)
    for title in ("A", "B", "C", "D", "E", "F"):
        room = services.create_room(title=title)
        services.post_message(room=room, text="x")
        services.mark_read(user=ada, room=room, message_id=0)
    browser.get("/chat/")
    # Session, user, the rooms with their unread counts: not one per room.
    with django_assert_max_num_queries(4):
        assert browser.get("/chat/").status_code == 200


def test_a_message_reaches_its_room_and_the_list_in_one_trip(
    django_capture_on_commit_callbacks,
):
    # Each trip to the server's loop holds the writing thread: the list's
    # event rides with the room's (both sockets hearing it is tested below
    # and in test_protocol_schemas).
    room = services.create_room(title="Lobby")
    with django_capture_on_commit_callbacks() as callbacks:
        services.post_message(room=room, text="hi", display_name="kim")
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
async def test_the_room_list_socket_hears_each_message_and_topic():
    room = await sync_to_async(services.create_room)(title="Lobby")
    listener = connect_to("/ws/rooms/")
    assert (await listener.connect())[0]
    try:
        message, _ = await sync_to_async(services.post_message)(
            room=room, text="hi", display_name="kim"
        )
        frame = await receive(listener)
        assert frame == {
            "type": "activity",
            "room": "lobby",
            "id": message.pk,
            "author": "kim",
            "author_username": None,
            "guest": True,
            "created": frame["created"],
        }
        await sync_to_async(services.update_room)(
            room=room, topic="Say hello", by=None, via="command"
        )
        assert await receive(listener) == {
            "type": "room",
            "room": "lobby",
            "title": "Lobby",
            "topic": "Say hello",
        }
        await listener.send_to(text_data="{}")
        assert (await receive(listener))["code"] == "bad_type"
    finally:
        await listener.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_open_room_page_hears_its_new_topic():
    room = await sync_to_async(services.create_room)(title="Lobby")
    member = await socket_as(None, "/ws/chat/lobby/")
    assert (await member.connect())[0]
    try:
        await sync_to_async(services.update_room)(
            room=room, title="Big lobby", by=None, via="command"
        )
        frame = await receive(member)
        assert (frame["type"], frame["title"]) == ("room", "Big lobby")
    finally:
        await member.disconnect()
