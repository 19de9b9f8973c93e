"""A member's display name: chosen on the profile page, shown on everything."""

import pytest

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from board import services as board_services
from board.models import Post
from chat import services as chat_services
from chat.models import Message
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def save(client, name):
    token = csrf_token(client, "/accounts/profile/")
    return client.post(
        "/accounts/profile/", {"display_name": name, "csrfmiddlewaretoken": token}
    )


def test_a_new_name_is_carried_to_old_posts_and_messages(client, user, other_user):
    client.force_login(user)
    mine, _ = board_services.create_post(body="Old post", author=user)
    theirs, _ = board_services.create_post(body="Not mine", author=other_user)
    room = chat_services.create_room(title="Lobby")
    said, _ = chat_services.post_message(room=room, text="Old message", author=user)

    response = save(client, "  Ada   Lovelace ")

    assert response.status_code == 303
    assert Post.objects.get(pk=mine.pk).display_name == "Ada Lovelace"
    assert Message.objects.get(pk=said.pk).display_name == "Ada Lovelace"
    assert Post.objects.get(pk=theirs.pk).display_name == "brian"
    html = client.get(f"/board/p/{mine.pk}/", follow=True).content.decode()
    assert ">Ada Lovelace</a>" in html and "@ada" in html
    assert 'href="/members/ada/"' in html


def test_new_items_carry_the_name_and_clearing_it_restores_the_username(client, user):
    client.force_login(user)
    save(client, "Countess")
    post, _ = board_services.create_post(body="New post", author=user)
    assert post.display_name == "Countess"

    assert save(client, "").status_code == 303

    assert Post.objects.get(pk=post.pk).display_name == "ada"


@pytest.mark.parametrize(
    "name, why",
    [
        ("brian", "another member"),
        ("BRIAN", "another member"),
        ("brіan", "another member"),  # Cyrillic і
        ("Admin", "reserved for the site"),
        ("system", "reserved for the site"),
        ("Moderator", "reserved for the site"),
    ],
)
def test_a_name_that_passes_for_someone_else_is_refused(
    client, user, other_user, name, why
):
    client.force_login(user)
    post, _ = board_services.create_post(body="Kept", author=user)

    response = save(client, name)

    assert response.status_code == 400
    assert why in response.content.decode()
    assert Post.objects.get(pk=post.pk).display_name == "ada"


def test_another_members_display_name_is_taken_too(client, user, other_user):
    client.force_login(other_user)
    assert save(client, "Bertie").status_code == 303
    client.force_login(user)

    response = save(client, "bertie")

    assert response.status_code == 400
    assert "another member" in response.content.decode()


def test_a_guest_may_not_post_under_a_members_display_name(client, user, post_form):
    client.force_login(user)
    save(client, "Countess")
    client.logout()

    response = post_form("Hello", display_name="COUNTESS")

    assert response.status_code == 400
    assert not Post.objects.filter(body="Hello").exists()


def test_one_may_show_ones_own_username_in_other_letters(client, user):
    client.force_login(user)

    assert save(client, "ADA").status_code == 303


def test_the_profile_page_wants_a_login(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_members_page_shows_the_display_name_and_the_username(client, user):
    client.force_login(user)
    save(client, "Countess")

    html = client.get("/members/ada/").content.decode()

    assert "Countess" in html and "@ada" in html


def queries(client, url):
    """Return the page at ``url`` and the queries that drew it."""
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
        # Read now: the next request empties the connection's query log.
        return page, list(captured.captured_queries)


def test_the_board_costs_the_same_queries_with_one_member_or_many(client, user):
    topic, _ = board_services.create_post(body="First", title="First", author=user)
    urls = ["/board/", f"/board/t/{topic.pk}/"]
    one = [len(queries(client, url)[1]) for url in urls]
    for n in range(10):
        member = User.objects.create_user(f"writer{n}", password="pw-1234567890")
        board_services.create_post(body=f"Topic {n}", title=f"T{n}", author=member)
        board_services.create_post(body=f"Reply {n}", topic=topic, author=member)
    drawn = [queries(client, url) for url in urls]

    assert 'href="/members/writer9/"' in drawn[0][0]
    assert 'href="/members/writer9/"' in drawn[1][0]
    assert [len(captured) for _page, captured in drawn] == one


def test_the_chat_room_page_shows_the_username_beside_the_display_name(client, user):
    room = chat_services.create_room(title="Lobby")
    chat_services.post_message(room=room, text="Hello", author=user)
    client.force_login(user)
    save(client, "Countess")

    page = client.get(room.get_absolute_url()).content.decode()

    # As on the board: the name links to the member's page, the username beside.
    assert (
        '<a class="author" href="/members/ada/" title="@ada">Countess</a> '
        '<span class="username">@ada</span>'
    ) in page


def test_a_member_without_a_display_name_shows_no_second_username(client, user):
    room = chat_services.create_room(title="Lobby")
    chat_services.post_message(room=room, text="Hello", author=user)
    chat_services.post_message(room=room, text="Hi", display_name="Gus")

    page = client.get(room.get_absolute_url()).content.decode()

    assert '<a class="author" href="/members/ada/" title="@ada">ada</a>\n' in page
    assert 'class="username"' not in page
    assert (
        '<span class="author">Gus</span> <span class="badge guest" '
        'title="Sent without an account">guest</span>'
    ) in page


def test_frames_and_the_api_carry_the_authors_username(client, user):
    room = chat_services.create_room(title="Lobby")
    client.force_login(user)
    save(client, "Countess")
    said, _ = chat_services.post_message(room=room, text="Hello", author=user)
    guest, _ = chat_services.post_message(room=room, text="Hi", display_name="Gus")
    post, _ = board_services.create_post(body="A post", author=user)

    frame = chat_services.serialize_message(said)
    assert (frame["author"], frame["author_username"]) == ("Countess", "ada")
    frame = chat_services.serialize_message(guest)
    assert (frame["author"], frame["author_username"]) == ("Gus", None)
    frame = board_services.serialize_post(post)
    assert (frame["author"], frame["author_username"]) == ("Countess", "ada")

    listed = client.get(f"/api/rooms/{room.slug}/messages/").json()["results"]
    assert {m["id"]: (m["author"], m["author_username"]) for m in listed} == {
        said.pk: ("Countess", "ada"),
        guest.pk: ("Gus", None),
    }
    one = client.get(f"/api/messages/{said.pk}/").json()
    assert (one["author"], one["author_username"]) == ("Countess", "ada")
    one = client.get(f"/api/posts/{post.pk}/").json()
    assert (one["author"], one["author_username"]) == ("Countess", "ada")


def test_a_guests_cached_board_page_shows_the_new_name(client, user):
    board_services.create_post(body="Cached post", author=user)
    guest = Client()
    assert ">ada</a>" in guest.get("/board/").content.decode()
    client.force_login(user)

    save(client, "Countess")

    page = guest.get("/board/").content.decode()
    assert ">Countess</a>" in page and "@ada" in page
