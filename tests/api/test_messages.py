"""Chat messages through /api/rooms/{slug}/messages/ and /api/messages/{id}/."""

import json

import pytest

from chat import services as chat_services
from chat.models import Message


@pytest.fixture
def history(room, author, moderator):
    """Five messages in the room; the fourth is hidden."""
    sent = [
        chat_services.post_message(room=room, text=f"m{n}", author=author)[0]
        for n in range(5)
    ]
    chat_services.hide_messages([sent[3]], by=moderator, via="command")
    return sent


@pytest.mark.django_db
def test_after_returns_what_came_later_in_order(room, history, anon):
    response = anon.get(f"/api/rooms/{room.slug}/messages/?after={history[1].pk}")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [m["text"] for m in results] == ["m2", "m4"]
    assert [m["id"] for m in results] == sorted(m["id"] for m in results)


@pytest.mark.django_db
def test_after_pages_stay_in_order_with_no_duplicates(room, author, anon):
    for n in range(25):
        chat_services.post_message(room=room, text=f"n{n}", author=author)
    url = f"/api/rooms/{room.slug}/messages/?after=0&limit=10"
    texts, pages = [], 0
    while url:
        page = anon.get(url).json()
        texts += [m["text"] for m in page["results"]]
        url = page["next"]
        pages += 1
    assert pages == 3
    assert texts == [f"n{n}" for n in range(25)]


@pytest.mark.django_db
def test_without_after_the_newest_come_first(room, history, anon):
    results = anon.get(f"/api/rooms/{room.slug}/messages/").json()["results"]
    assert [m["text"] for m in results] == ["m4", "m2", "m1", "m0"]


@pytest.mark.django_db
def test_after_with_newest_first_is_refused(room, history, anon):
    response = anon.get(f"/api/rooms/{room.slug}/messages/?after=0&ordering=-id")
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


@pytest.mark.django_db
def test_messages_of_another_room_stay_out(room, history, author, anon):
    elsewhere = chat_services.create_room(title="Elsewhere", created_by=author)
    chat_services.post_message(room=elsewhere, text="far away", author=author)
    results = anon.get(f"/api/rooms/{room.slug}/messages/?after=0").json()["results"]
    assert "far away" not in [m["text"] for m in results]


@pytest.mark.django_db
def test_a_posted_message_links_to_its_room(room, author, client_for):
    response = client_for(author).post(
        f"/api/rooms/{room.slug}/messages/", {"text": " hi "}, format="json"
    )
    data = response.json()
    assert response.status_code == 201
    assert data["text"] == "hi"
    assert data["room"].endswith(f"/api/rooms/{room.slug}/")
    assert data["url"].endswith(f"/api/messages/{data['id']}/")


@pytest.mark.django_db
def test_a_retried_message_is_stored_once(room, author, client_for):
    client = client_for(author)
    url = f"/api/rooms/{room.slug}/messages/"
    first = client.post(url, {"text": "once", "client_id": "c1"}, format="json")
    again = client.post(url, {"text": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_an_edit_goes_through_and_keeps_the_room(message, author, client_for):
    response = client_for(author).put(
        f"/api/messages/{message.pk}/", {"text": "edited"}, format="json"
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.text == "edited"


@pytest.mark.django_db
def test_search_and_author_filter_messages(room, author, other, anon):
    chat_services.post_message(room=room, text="Tea time", author=author)
    chat_services.post_message(room=room, text="coffee", author=other)
    url = f"/api/rooms/{room.slug}/messages/"
    assert [m["text"] for m in anon.get(url + "?search=TEA").json()["results"]] == [
        "Tea time"
    ]
    assert [m["text"] for m in anon.get(url + "?author=bob").json()["results"]] == [
        "coffee"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["text", "client_id"])
@pytest.mark.parametrize("character", ["\ud800", "\x00"])
def test_a_character_that_cannot_be_stored_is_a_400(
    room, author, client_for, field, character
):
    body = {"text": "hello", "client_id": "k1", field: f"a{character}b"}
    response = client_for(author).post(
        f"/api/rooms/{room.slug}/messages/",
        json.dumps(body),  # "\ud800" travels as an escape, as JSON allows
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_a_message_carries_its_formatted_html_which_an_edit_renders_again(
    room, author, client_for
):
    api = client_for(author)
    created = api.post(
        f"/api/rooms/{room.slug}/messages/", {"text": "`code`"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["html"] == "<p><code>code</code></p>"
    message_url = f"/api/messages/{created.json()['id']}/"
    edited = api.put(message_url, {"text": "> quoted"}, format="json").json()
    assert edited["html"] == "<blockquote>\n<p>quoted</p>\n</blockquote>"
    assert api.get(message_url).json()["html"] == edited["html"]
