"""
A moderator takes a member's display name away: through the admin, the member
page, the API and ``manage.py clear_display_name``, one service each time.
"""

import pytest

from django.core.management import CommandError, call_command
from django.test import Client

from board import services as board_services
from board.models import Post
from chat import services as chat_services
from chat.models import Message
from content import bans
from content.models import AuditEntry, Profile
from content.services import set_display_name
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db

NAME = "Lord Offensive"


@pytest.fixture
def named(user):
    """ada, who chose a display name and wrote under it."""
    set_display_name(user=user, display_name=NAME, via="api")
    board_services.create_post(body="A post", author=user)
    room = chat_services.create_room(title="Lobby")
    chat_services.post_message(room=room, text="A message", author=user)
    return user


def assert_cleared(user, *, via, by="mia", reason=""):
    assert Profile.objects.display_name_of(user) == ""
    assert set(Post.objects.values_list("display_name", flat=True)) == {"ada"}
    assert set(Message.objects.values_list("display_name", flat=True)) == {"ada"}
    entry = AuditEntry.objects.get(action="clear_name")
    assert (entry.via, entry.actor_name, entry.object_id) == (via, by, str(user.pk))
    assert entry.reason == reason
    assert entry.detail == f"was “{NAME}”"


def assert_untouched(user):
    assert Profile.objects.display_name_of(user) == NAME
    assert set(Post.objects.values_list("display_name", flat=True)) == {NAME}
    assert not AuditEntry.objects.filter(action="clear_name").exists()


def moderator_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


# The admin ----------------------------------------------------------------------


def test_a_moderator_clears_names_with_the_admin_action(named, moderator):
    client = moderator_client(moderator)
    listing = client.get("/admin/content/profile/")
    assert listing.status_code == 200
    assert NAME in listing.content.decode()
    profile = Profile.objects.get(user=named)

    response = client.post(
        "/admin/content/profile/",
        {"action": "clear_selected", "_selected_action": [profile.pk]},
        follow=True,
    )

    assert "Cleared 1 display name." in response.content.decode()
    assert_cleared(named, via="admin")
    # Nothing left to moderate: the list shows profiles with a name only.
    assert NAME not in client.get("/admin/content/profile/").content.decode()


def test_the_admin_never_writes_a_name(named, moderator):
    client = moderator_client(moderator)
    profile = Profile.objects.get(user=named)
    page = client.get(f"/admin/content/profile/{profile.pk}/change/").content.decode()
    assert 'name="display_name"' not in page  # read-only
    assert client.get("/admin/content/profile/add/").status_code == 403


def test_staff_outside_the_moderators_group_see_no_profiles(named, django_user_model):
    staff = django_user_model.objects.create_user("sam", is_staff=True)
    client = moderator_client(staff)
    assert client.get("/admin/content/profile/").status_code == 403


# The member page ----------------------------------------------------------------


def test_a_moderator_clears_a_name_from_the_member_page(named, moderator):
    client = moderator_client(moderator)
    page = client.get("/members/ada/").content.decode()
    assert 'action="/members/ada/clear-name/"' in page

    response = client.post(
        "/members/ada/clear-name/",
        {
            "reason": "Offensive",
            "csrfmiddlewaretoken": csrf_token(client, "/members/ada/"),
        },
        follow=True,
    )

    assert response.redirect_chain == [("/members/ada/", 303)]
    assert "Cleared the display name" in response.content.decode()
    assert_cleared(named, via="member", reason="Offensive")
    # The form is gone with the name.
    assert "clear-name" not in client.get("/members/ada/").content.decode()


def test_the_member_page_offers_no_form_to_others_and_refuses_them(named, other_user):
    client = Client()
    client.force_login(other_user)
    assert "clear-name" not in client.get("/members/ada/").content.decode()
    token = csrf_token(client, "/members/ada/")
    response = client.post("/members/ada/clear-name/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert_untouched(named)
    assert Client().post("/members/ada/clear-name/").status_code == 403  # CSRF, then


def test_the_member_page_form_needs_a_post_and_a_member(moderator):
    client = moderator_client(moderator)
    assert client.get("/members/ada/clear-name/").status_code == 405
    token = csrf_token(client, "/board/")
    response = client.post(
        "/members/nobody/clear-name/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 404


# The API ------------------------------------------------------------------------


def test_a_moderator_clears_a_name_through_the_api(named, moderator):
    client = moderator_client(moderator)
    response = client.post(
        "/api/members/ada/clear-display-name/",
        {"reason": "Impersonation"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == ""
    assert response.json()["username"] == "ada"
    assert_cleared(named, via="api", reason="Impersonation")

    again = client.post(
        "/api/members/ada/clear-display-name/", {}, content_type="application/json"
    )
    assert again.status_code == 200
    assert AuditEntry.objects.filter(action="clear_name").count() == 1


def test_the_api_refuses_others_and_bad_bodies(named, other_user, moderator):
    client = Client()
    response = client.post(
        "/api/members/ada/clear-display-name/", {}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    client.force_login(other_user)
    response = client.post(
        "/api/members/ada/clear-display-name/", {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"

    client = moderator_client(moderator)
    response = client.post(
        "/api/members/ada/clear-display-name/",
        {"reason": "x" * 501},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = client.post(
        "/api/members/nobody/clear-display-name/", {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert_untouched(named)


# The command --------------------------------------------------------------------


def test_the_command_clears_a_name_and_says_so(named, moderator, capsys):
    call_command("clear_display_name", "ada", "--by", "mia", "--reason", "Rude")
    assert capsys.readouterr().out == "Cleared the display name of ada.\n"
    assert_cleared(named, via="command", reason="Rude")

    call_command("clear_display_name", "ada")
    assert capsys.readouterr().out == "ada has no display name.\n"


def test_the_command_refuses_unknown_users_and_non_moderators(named, other_user):
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        call_command("clear_display_name", "nobody")
    with pytest.raises(CommandError, match="Only moderators"):
        call_command("clear_display_name", "ada", "--by", "brian")
    assert_untouched(named)


def test_a_banned_members_name_can_still_be_cleared(named, moderator):
    bans.ban(user=named, reason="Spam", by=moderator, via="admin")
    call_command("clear_display_name", "ada", "--by", "mia")
    assert Profile.objects.display_name_of(named) == ""


def test_cached_pages_show_the_username_again(named, moderator):
    guest = Client()
    assert NAME in guest.get("/board/").content.decode()
    call_command("clear_display_name", "ada", "--by", "mia")
    page = guest.get("/board/").content.decode()
    assert NAME not in page and ">ada</a>" in page
