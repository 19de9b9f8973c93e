"""A member's page and its API twin: who they are and what they wrote lately."""

import re

import pytest

from django.contrib.auth.models import User

from board import services as board_services
from chat import services as chat_services

pytestmark = pytest.mark.django_db


def ids(html, kind):
    return [int(n) for n in re.findall(rf'<li id="{kind}-(\d+)"', html)]


def test_the_page_lists_their_visible_posts_and_messages_newest_first(
    client, user, other_user, moderator
):
    topic, _ = board_services.create_post(body="My *topic*", author=user)
    reply, _ = board_services.create_post(
        body="A reply of mine", author=user, topic=topic
    )
    hidden, _ = board_services.create_post(body="Gone", author=user)
    board_services.hide_posts([hidden], by=moderator, via="board")
    board_services.create_post(body="Not mine", author=other_user)
    room = chat_services.create_room(title="Lobby")
    said, _ = chat_services.post_message(room=room, text="Hi <b>all</b>", author=user)

    response = client.get("/members/ada/")
    html = response.content.decode()

    assert response.status_code == 200
    assert ids(html, "post") == [reply.pk, topic.pk]
    assert ids(html, "message") == [said.pk]
    assert f'href="/board/p/{reply.pk}/"' in html
    assert f'href="{said.get_absolute_url()}"' in html
    assert "Hi &lt;b&gt;all&lt;/b&gt;" in html and "<b>all" not in html
    assert "Not mine" not in html and "Gone" not in html


def test_older_links_page_through_everything_by_id(client, user):
    written = [
        board_services.create_post(body=f"post {n}", author=user)[0].pk
        for n in range(45)
    ]
    seen, url = [], "/members/ada/"
    while url:
        html = client.get(url).content.decode()
        seen += ids(html, "post")
        older = re.search(r'href="(\?posts_before=\d+)"', html)
        url = older and "/members/ada/" + older.group(1)

    assert seen == written[::-1]


def test_unknown_and_deactivated_members_have_no_page(client, user):
    assert client.get("/members/nobody/").status_code == 404
    user.is_active = False
    user.save()
    assert client.get("/members/ada/").status_code == 404
    assert client.get("/api/members/ada/").status_code == 404


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "9" * 19])
def test_a_bad_older_link_is_a_400(client, user, value):
    response = client.get("/members/ada/", {"posts_before": value})

    assert response.status_code == 400
    assert "posts_before" in response.content.decode()


def test_authors_names_on_the_board_link_to_their_page_but_guests_do_not(client, user):
    board_services.create_post(body="From a member", author=user)
    board_services.create_post(body="From a guest", display_name="Zoë")

    html = client.get("/board/").content.decode()

    assert '<a class="author" href="/members/ada/" title="@ada">ada</a>' in html
    assert '<span class="author">Zoë</span>' in html


def test_moderators_are_marked(client, moderator):
    assert (
        "badge moderator"
        in client.get(f"/members/{moderator.username}/").content.decode()
    )
    assert client.get(f"/api/members/{moderator.username}/").json()["is_moderator"]


def test_the_api_describes_the_member_and_links_to_what_they_wrote(client, user):
    board_services.create_post(body="Mine", author=user)
    User.objects.create_user("bob")

    data = client.get("/api/members/ada/").json()

    assert data["username"] == "ada"
    assert data["html_url"] == "http://testserver/members/ada/"
    assert data["is_moderator"] is False
    posts = client.get(data["posts"]).json()["results"]
    assert [post["body"] for post in posts] == ["Mine"]
    assert client.get(data["messages"]).json()["results"] == []
