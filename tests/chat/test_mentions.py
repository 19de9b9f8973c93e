"""
@mentions: a message that names a member stores a Mention with it, hands a
``mention`` frame to that member's open chat pages, and lists it on their
"Recent mentions" page; the composer's member suggestions.
"""

import pytest
from asgiref.sync import sync_to_async

from django.test import Client

from chat import services
from chat.models import Mention
from content.markup import mentioned_usernames
from tests.chat.conftest import receive, send
from tests.chat.test_presence import (  # noqa: F401 (fixtures)
    ada,
    bob,
    opened,
    presence_until,
    quick_debounce,
)
from tests.content.conftest import socket_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_usernames_are_found_after_an_at_sign_not_inside_words():
    text = "hi @ada and @bob.b, mail ada@example.org, @ada again, @x+y"
    assert mentioned_usernames(text) == ["ada", "bob.b", "x+y"]


async def test_a_mentioned_member_hears_of_it_in_any_chat_room(
    room,
    other_room,
    ada,  # noqa: F811
    bob,  # noqa: F811
):
    # Bob reads another room; a board page of his would ignore the notice.
    elsewhere = await socket_as(bob, f"/ws/chat/{other_room.slug}/")
    board = await socket_as(bob, "/ws/board/")
    writer = await socket_as(ada, f"/ws/chat/{room.slug}/")
    try:
        for client in (elsewhere, board, writer):
            assert (await client.connect())[0]
        await send(writer, {"type": "message", "text": "@bob look", "client_id": "1"})
        frame = await receive(elsewhere)
        message = await sync_to_async(room.messages.get)()
        assert frame == {
            "type": "mention",
            "id": message.pk,
            "room": room.slug,
            "room_title": "Lobby",
            "author": "ada",
            "author_username": "ada",
            "guest": False,
            "text": "@bob look",
            "created": frame["created"],
            "url": f"/chat/{room.slug}/m/{message.pk}/#message-{message.pk}",
        }
        assert await board.receive_nothing(timeout=0.3)
    finally:
        for client in (elsewhere, board, writer):
            await client.disconnect()
    mentions = await sync_to_async(list)(Mention.objects.values_list("user__username"))
    assert mentions == [("bob",)]


def test_unknown_names_and_oneself_notify_nobody(room, ada):  # noqa: F811
    services.post_message(room=room, text="@ada @nobody @ada.", author=ada)
    services.post_message(room=room, text="by a guest to @ada.", display_name="zoe")
    assert [m.message.text for m in Mention.objects.all()] == ["by a guest to @ada."]


def test_a_retried_message_stores_its_mentions_once(room, ada, bob):  # noqa: F811
    for _attempt in range(2):
        services.post_message(room=room, text="@bob hi", author=ada, client_id="c")
    assert Mention.objects.count() == 1


def test_the_mentions_page_lists_them_newest_first_with_links(room, ada, bob):  # noqa: F811
    first, _ = services.post_message(room=room, text="@bob first", author=ada)
    second, _ = services.post_message(room=room, text="@bob second", author=ada)
    hidden, _ = services.post_message(room=room, text="@bob hidden", author=ada)
    services.hide_messages([hidden], by=None, via="command")
    services.post_message(room=room, text="@ada not bob's", author=bob)
    browser = Client()
    browser.force_login(bob)
    html = browser.get("/chat/mentions/").content.decode()
    assert html.index("@bob second") < html.index("@bob first")
    assert "@bob hidden" not in html
    assert "not bob" not in html
    assert f'href="/chat/{room.slug}/m/{second.pk}/#message-{second.pk}"' in html


def test_the_mentions_page_asks_a_guest_to_log_in(db):
    response = Client().get("/chat/mentions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_room_cannot_take_the_mentions_page_address(db):
    room = services.create_room(title="Mentions")
    assert room.slug != "mentions"


async def test_suggestions_are_present_members_then_recent_authors(
    room,
    django_user_model,
    ada,  # noqa: F811
    bob,  # noqa: F811
):
    adam = await sync_to_async(django_user_model.objects.create_user)("Adam")
    await sync_to_async(services.post_message)(room=room, text="hi", author=ada)
    await sync_to_async(services.post_message)(room=room, text="yo", author=bob)
    here = await opened(adam, room)
    try:
        await receive(here)  # the snapshot, then the announcement once stored:
        await presence_until(here, ["Adam"])
        get = sync_to_async(Client().get)
        found = (await get(f"/chat/{room.slug}/members/?q=AD")).json()
        assert found == {"members": ["Adam", "ada"]}
        assert (await get(f"/chat/{room.slug}/members/")).json() == {
            "members": ["Adam", "bob", "ada"]
        }
        missing = await get("/chat/no-such-room/members/?q=a")
        assert missing.status_code == 404
    finally:
        await here.disconnect()


def test_an_edit_that_names_someone_new_mentions_only_them(room, ada, bob):  # noqa: F811
    carol = type(ada).objects.create_user("carol")
    message, _ = services.post_message(room=room, text="hi @bob", author=ada)
    services.edit_message(message, "hi @bob and @carol", by=ada, via="api")
    services.edit_message(message, "hi @bob and @carol!", by=ada, via="api")
    assert sorted(Mention.objects.values_list("user__username", flat=True)) == [
        "bob",
        "carol",
    ]
    assert Mention.objects.get(user=carol).message == message


async def test_an_edit_through_the_api_notifies_who_it_newly_names(
    room,
    ada,  # noqa: F811
    bob,  # noqa: F811
):
    from rest_framework.test import APIClient

    message, _ = await sync_to_async(services.post_message)(
        room=room, text="hi", author=ada
    )
    listener = await socket_as(bob, f"/ws/chat/{room.slug}/")
    assert (await listener.connect())[0]
    try:
        api = APIClient()
        api.force_authenticate(ada)
        response = await sync_to_async(api.patch)(
            f"/api/messages/{message.pk}/", {"text": "hi @bob"}, format="json"
        )
        assert response.status_code == 200
        frames = [await receive(listener), await receive(listener)]
        assert sorted(frame["type"] for frame in frames) == ["mention", "message"]
    finally:
        await listener.disconnect()
