"""/api/me/: one's own profile; /api/members/<username>/: someone else's."""

import pytest

from board.models import Post
from content import bans
from content.models import Profile

pytestmark = pytest.mark.django_db


def test_a_member_sets_their_display_name_and_old_posts_follow(
    author, post, client_for
):
    client = client_for(author)

    response = client.patch("/api/me/", {"display_name": "Countess"}, format="json")

    assert response.status_code == 200
    assert response.json()["display_name"] == "Countess"
    assert response.json()["username"] == "ada"
    assert Post.objects.get(pk=post.pk).display_name == "Countess"
    shown = client.get(f"/api/posts/{post.pk}/").json()
    assert shown["author"] == "Countess"
    member = client.get("/api/members/ada/").json()
    assert member["display_name"] == "Countess"


def test_the_username_cannot_be_changed_here(author, client_for):
    client = client_for(author)

    response = client.patch("/api/me/", {"username": "eve"}, format="json")

    assert response.status_code == 200
    assert response.json()["username"] == "ada"


@pytest.mark.parametrize("name", ["bob", "B0B", "admin", "System"])
def test_a_reserved_name_is_a_400_and_changes_nothing(
    author, other, post, client_for, name
):
    response = client_for(author).patch(
        "/api/me/", {"display_name": name}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["display_name"]
    assert Post.objects.get(pk=post.pk).display_name == "ada"


def test_an_anonymous_caller_cannot_patch(anon):
    response = anon.patch("/api/me/", {"display_name": "x"}, format="json")

    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_a_banned_member_may_not_change_their_name(author, moderator, post, client_for):
    bans.ban(user=author, reason="spam", by=moderator, via="admin")

    response = client_for(author).patch(
        "/api/me/", {"display_name": "Someone new"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "banned"
    assert Post.objects.get(pk=post.pk).display_name == "ada"
    assert Profile.objects.display_name_of(author) == ""
