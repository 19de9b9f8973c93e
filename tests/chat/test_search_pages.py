"""/chat/search/ (every room) and /chat/<room>/search/ (one room)."""

import re

import pytest

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from chat import services
from chat.models import Room

pytestmark = pytest.mark.django_db


def say(room, text):
    message, _created = services.post_message(room=room, text=text, display_name="Ada")
    return message


def links(response):
    """The (room slug, message id) of each result's link, in page order."""
    return [
        (slug, int(pk))
        for slug, pk in re.findall(
            r'class="search-hit" href="/chat/([^/"]+)/m/\d+/#message-(\d+)"',
            response.text,
        )
    ]


def test_the_room_list_and_the_room_page_have_search_boxes(client, room):
    assert 'action="/chat/search/"' in client.get("/chat/").text
    room_page = client.get(f"/chat/{room.slug}/").text
    assert f'action="/chat/{room.slug}/search/"' in room_page


def test_searching_every_room_finds_messages_in_each_with_their_room(
    client, room, other_room
):
    first = say(room, "the kettle is on")
    second = say(other_room, "who left the kettle")
    say(room, "unrelated")

    response = client.get("/chat/search/", {"q": "kettle"})

    assert response.status_code == 200
    assert links(response) == [(other_room.slug, second.pk), (room.slug, first.pk)]
    assert f'in <a href="/chat/{room.slug}/">Lobby</a>' in response.text
    assert f'in <a href="/chat/{other_room.slug}/">Kitchen</a>' in response.text


def test_searching_one_room_finds_only_its_messages(client, room, other_room):
    mine = say(room, "the kettle is on")
    say(other_room, "who left the kettle")

    response = client.get(f"/chat/{room.slug}/search/", {"q": "kettle"})

    assert links(response) == [(room.slug, mine.pk)]
    assert "Search Lobby" in response.text
    assert '<a href="/chat/search/?q=kettle">Search every room</a>' in response.text


def test_a_result_links_into_the_room_at_the_message(client, room):
    message = say(room, "kettle")

    response = client.get(f"/chat/{room.slug}/search/", {"q": "kettle"})

    assert f'href="{message.get_absolute_url()}"' in response.text
    room_page = client.get(message.get_absolute_url().split("#")[0]).text
    assert f'id="message-{message.pk}"' in room_page


def test_hidden_messages_are_found_by_moderators_only(client, room, moderator):
    hidden = say(room, "hidden kettle")
    services.moderation.hide([hidden], by=moderator, via="chat")

    assert links(client.get("/chat/search/", {"q": "kettle"})) == []
    client.force_login(moderator)
    response = client.get("/chat/search/", {"q": "kettle"})
    assert links(response) == [(room.slug, hidden.pk)]
    assert '<span class="hidden-mark">Hidden</span>' in response.text


def test_an_edited_message_is_found_by_its_new_text(client, room, moderator):
    message = say(room, "teapot")
    services.moderation.edit(message, "samovar", by=moderator, via="chat")

    assert links(client.get("/chat/search/", {"q": "samovar"})) == [
        (room.slug, message.pk)
    ]
    assert links(client.get("/chat/search/", {"q": "teapot"})) == []


def test_messages_of_a_deleted_room_are_not_found(client, room, other_room, moderator):
    say(room, "kettle")
    kept = say(other_room, "kettle")
    services.delete_room(room=room, by=moderator, via="chat")

    assert links(client.get("/chat/search/", {"q": "kettle"})) == [
        (other_room.slug, kept.pk)
    ]


@pytest.mark.parametrize("path", ["/chat/search/", "/chat/{slug}/search/"])
@pytest.mark.parametrize("query", ['"kettle', "kettle*", "(kettle)", "-kettle"])
def test_query_syntax_is_plain_words_here_too(client, room, path, query):
    message = say(room, "kettle")

    response = client.get(path.format(slug=room.slug), {"q": query})

    assert response.status_code == 200
    assert links(response) == [(room.slug, message.pk)]


@pytest.mark.parametrize("path", ["/chat/search/", "/chat/{slug}/search/"])
def test_a_too_long_query_is_a_form_error(client, room, path):
    response = client.get(path.format(slug=room.slug), {"q": "kettle " * 1500})

    assert response.status_code == 400
    assert "Search for at most 200 characters (this has 10499)." in response.text


def test_searching_a_room_that_does_not_exist_is_a_404(client, db):
    assert client.get("/chat/nowhere/search/", {"q": "kettle"}).status_code == 404


def test_no_room_takes_the_search_address(db):
    room = services.create_room(title="Search")

    assert room.slug != "search"
    assert Room.objects.get(pk=room.pk).get_absolute_url() == f"/chat/{room.slug}/"


@pytest.mark.django_db(transaction=True)
def test_migrating_moves_a_room_called_search_out_of_the_search_address():
    call_command("migrate", "chat", "0006", verbosity=0)
    # The rooms of that time: today's model has columns added since.
    old = MigrationExecutor(connection).loader.project_state(
        [("chat", "0006_message_address_room_archived")]
    )
    OldRoom = old.apps.get_model("chat", "Room")
    OldRoom.objects.create(slug="search", title="Search", created=timezone.now())
    OldRoom.objects.create(slug="search-2", title="Search", created=timezone.now())
    call_command("migrate", "chat", verbosity=0)

    assert set(Room.objects.values_list("slug", flat=True)) == {"search-2", "search-3"}
