"""Chat rooms through /api/rooms/."""

import pytest

from chat import services as chat_services
from chat.models import Message, Room


@pytest.mark.django_db
def test_a_room_gets_a_slug_from_any_title(author, client_for):
    response = client_for(author).post("/api/rooms/", {"title": "Café ☕"})
    assert response.status_code == 201
    data = response.json()
    assert data["slug"] == "café"
    assert data["created_by"] == "ada"
    follow = client_for(None).get(data["url"])
    assert follow.status_code == 200
    assert follow.json()["title"] == "Café ☕"


@pytest.mark.django_db
def test_a_retried_room_with_an_idempotency_key_is_created_once(author, client_for):
    client = client_for(author)
    first = client.post("/api/rooms/", {"title": "Once"}, HTTP_IDEMPOTENCY_KEY="r1")
    again = client.post("/api/rooms/", {"title": "Once"}, HTTP_IDEMPOTENCY_KEY="r1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["url"] == again.json()["url"]
    assert Room.objects.count() == 1


@pytest.mark.django_db
def test_a_second_room_with_a_title_that_reads_the_same_is_refused(author, client_for):
    client = client_for(author)
    assert client.post("/api/rooms/", {"title": "Twice"}).status_code == 201
    for title in ("Twice", "TWICE", "  twice ", "Twic\u0435"):  # Cyrillic е
        response = client.post("/api/rooms/", {"title": title}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert "already a room called “Twice”" in str(body)
        assert "/chat/twice/" in str(body)
    assert list(Room.objects.values_list("slug", flat=True)) == ["twice"]


@pytest.mark.django_db
def test_renaming_to_another_rooms_title_is_refused(room, author, client_for):
    chat_services.create_room(title="Kitchen", created_by=author)
    response = client_for(author).patch(
        f"/api/rooms/{room.slug}/", {"title": "kitchen"}, format="json"
    )
    assert response.status_code == 400
    assert "already a room called “Kitchen”" in str(response.json())
    room.refresh_from_db()
    assert room.title == "Lobby"


@pytest.mark.django_db
def test_renaming_keeps_the_address(room, author, client_for):
    response = client_for(author).patch(
        f"/api/rooms/{room.slug}/", {"title": "Big lobby"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["slug"] == "lobby"
    assert response.json()["title"] == "Big lobby"


@pytest.mark.django_db
def test_an_empty_title_is_refused(author, client_for):
    response = client_for(author).post("/api/rooms/", {"title": " "}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"title": ["Give the room a title."]}


@pytest.mark.django_db
def test_deleting_a_room_deletes_its_messages(room, message, author, client_for):
    assert client_for(author).delete(f"/api/rooms/{room.slug}/").status_code == 204
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_rooms_list_by_title_and_search(author, anon):
    for title in ["Zebra", "apple pie", "Mango"]:
        chat_services.create_room(title=title, created_by=author)
    titles = [r["title"] for r in anon.get("/api/rooms/").json()["results"]]
    assert titles == sorted(titles)
    found = anon.get("/api/rooms/?search=PIE").json()["results"]
    assert [r["title"] for r in found] == ["apple pie"]
    newest = anon.get("/api/rooms/?ordering=-created").json()["results"]
    assert newest[0]["title"] == "Mango"
