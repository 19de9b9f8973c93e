"""/api/mentions/ (the caller's mentions) and /api/rooms/{slug}/presence/."""

import pytest
from asgiref.sync import sync_to_async

from chat import services as chat_services
from tests.chat.conftest import receive
from tests.chat.test_presence import opened, presence_until, quick_debounce  # noqa: F401


def test_a_member_lists_the_messages_that_mention_them_newest_first(
    room, author, other, client_for
):
    first, _ = chat_services.post_message(room=room, text="@bob one", author=author)
    second, _ = chat_services.post_message(room=room, text="@bob two", author=author)
    hidden, _ = chat_services.post_message(room=room, text="@bob x", author=author)
    chat_services.hide_messages([hidden], by=None, via="command")
    chat_services.post_message(room=room, text="@ada not bob's", author=other)

    response = client_for(other).get("/api/mentions/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["message"]["id"] for row in results] == [second.pk, first.pk]
    assert results[0]["message"]["text"] == "@bob two"
    assert results[0]["message"]["author"] == "ada"
    assert results[0]["message"]["room_slug"] == room.slug


def test_mentions_are_for_signed_in_members_only(client_for, db):
    response = client_for(None).get("/api/mentions/")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.django_db(transaction=True)
async def test_a_rooms_presence_is_read_by_anyone(room, author, client_for):
    member = await opened(author, room)
    guest = await opened(None, room, address="198.51.100.4")
    try:
        await receive(member)
        await presence_until(member, ["ada"], guests=1)  # announced once stored
        get = sync_to_async(client_for(None).get)
        response = await get(f"/api/rooms/{room.slug}/presence/")
        assert response.status_code == 200
        assert response.json() == {"members": ["ada"], "guests": 1}
        assert (await get("/api/rooms/nowhere/presence/")).status_code == 404
    finally:
        await member.disconnect()
        await guest.disconnect()
