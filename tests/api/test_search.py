"""Full-text search in the API: ``?q=`` on posts and on messages."""

import pytest

from board import services as board_services
from chat import services as chat_services
from content import search
from tests.api.test_errors import assert_error

pytestmark = pytest.mark.django_db


def write_post(author, body):
    return board_services.create_post(body=body, author=author)[0]


def say(room, author, text):
    return chat_services.post_message(room=room, text=text, author=author)[0]


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_posts_are_searched_newest_first(anon, author):
    older = write_post(author, "the build is green")
    newer = write_post(author, "Green BUILD again")
    write_post(author, "the build is red")

    assert ids(anon.get("/api/posts/", {"q": "build green"})) == [newer.pk, older.pk]


def test_search_pages_by_cursor_without_gaps(anon, author):
    wanted = [write_post(author, f"needle {n}").pk for n in range(7)]
    url, found = "/api/posts/?q=needle&limit=3", []
    while url:
        page = anon.get(url).json()
        found += [item["id"] for item in page["results"]]
        url = page["next"]

    assert found == wanted[::-1]


def test_hidden_posts_are_not_found(anon, author, moderator, client_for):
    hidden = write_post(author, "a hidden needle")
    board_services.moderation.hide([hidden], by=moderator, via="api")

    assert ids(anon.get("/api/posts/", {"q": "needle"})) == []
    assert ids(client_for(moderator).get("/api/posts/", {"q": "needle"})) == []


def test_messages_are_searched_across_rooms_and_in_one(anon, author, room):
    kitchen = chat_services.create_room(title="Kitchen", created_by=author)
    here = say(room, author, "the kettle is on")
    there = say(kitchen, author, "kettle again")
    say(room, author, "tea")

    assert ids(anon.get("/api/messages/", {"q": "kettle"})) == [there.pk, here.pk]
    assert ids(anon.get(f"/api/rooms/{room.slug}/messages/", {"q": "kettle"})) == [
        here.pk
    ]
    result = anon.get("/api/messages/", {"q": "kettle"}).json()["results"][0]
    assert result["room"].endswith(f"/api/rooms/{kitchen.slug}/")


def test_the_list_of_every_rooms_messages_leaves_hidden_ones_out(
    anon, author, room, moderator
):
    shown = say(room, author, "one")
    hidden = say(room, author, "two")
    chat_services.moderation.hide([hidden], by=moderator, via="api")

    assert ids(anon.get("/api/messages/")) == [shown.pk]


def test_an_edited_message_is_found_by_its_new_text(anon, author, room, client_for):
    message = say(room, author, "teapot")
    response = client_for(author).patch(
        f"/api/messages/{message.pk}/", {"text": "samovar"}, format="json"
    )
    assert response.status_code == 200

    assert ids(anon.get("/api/messages/", {"q": "samovar"})) == [message.pk]
    assert ids(anon.get("/api/messages/", {"q": "teapot"})) == []


HOSTILE = ['"needle', "needle*", "NEAR(needle)", "-needle", "needle:", "日本語 needle"]


@pytest.mark.parametrize("query", HOSTILE)
def test_query_syntax_is_plain_words(anon, author, query):
    wanted = write_post(author, "needle 日本語 near")

    assert ids(anon.get("/api/posts/", {"q": query})) == [wanted.pk]


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        ("/api/posts/", "x" * 10_000, "at most 200 characters"),
        ("/api/messages/", "x" * 201, "at most 200 characters"),
        ("/api/rooms/lobby/messages/", "x" * 201, "at most 200 characters"),
        ("/api/posts/", '"" ** --', "at least one word"),
        ("/api/posts/", " ".join("abcdefghijk"), "at most 10 words"),
    ],
)
def test_a_query_it_cannot_search_is_a_400_naming_q(anon, room, path, query, message):
    body = assert_error(anon.get(path, {"q": query}), 400, "invalid")

    assert message in body["errors"]["q"][0]


def test_the_schema_documents_q_on_every_searchable_list(anon):
    schema = anon.get("/api/schema/?format=json").json()
    for path in ("/api/posts/", "/api/messages/", "/api/rooms/{slug}/messages/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["q"]["schema"]["maxLength"] == search.QUERY_MAX_LENGTH
        assert "every word" in parameters["q"]["description"]
