import pytest

from board import services
from board.models import Post

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/board/post/"


@pytest.fixture
def posts():
    return [services.create_post(body=f"post {n}")[0] for n in range(3)]


def run_action(client, action, posts):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/board/")
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [p.pk for p in posts],
            "csrfmiddlewaretoken": token,
        },
    )


def test_a_moderator_sees_the_post_list_with_its_columns(client, moderator, posts):
    client.force_login(moderator)
    page = client.get(CHANGELIST).content.decode()

    assert "post 2" in page
    assert "Clear the board" in page
    assert "Hide selected posts" in page


def test_a_moderator_hides_and_unhides_posts(client, moderator, posts):
    client.force_login(moderator)

    response = run_action(client, "hide_selected", posts[:2])
    assert response.status_code == 302
    assert Post.objects.visible().count() == 1
    assert Post.objects.get(pk=posts[0].pk).hidden_by == moderator

    run_action(client, "unhide_selected", posts[:1])
    assert Post.objects.visible().count() == 2


def test_a_moderator_deletes_posts_through_the_service(client, moderator, posts):
    client.force_login(moderator)
    run_action(client, "delete_selected_items", posts[:1])

    assert not Post.objects.filter(pk=posts[0].pk).exists()
    assert Post.objects.count() == 2


def test_the_stock_bulk_delete_is_not_offered(client, moderator, posts):
    client.force_login(moderator)
    response = run_action(client, "delete_selected", posts)

    assert Post.objects.count() == 3  # unknown action: nothing happens
    assert response.status_code in (200, 302)


def test_clearing_the_board_asks_first_then_hides_everything(client, moderator, posts):
    from tests.conftest import csrf_token

    client.force_login(moderator)
    confirm = client.get(CHANGELIST + "clear/")
    assert confirm.status_code == 200
    assert "hides all 3 visible posts" in confirm.content.decode()
    assert Post.objects.visible().count() == 3

    token = csrf_token(client, "/board/")
    response = client.post(CHANGELIST + "clear/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Post.objects.visible().count() == 0
    assert Post.objects.count() == 3


def test_moderators_cannot_add_or_edit_posts(client, moderator, posts):
    client.force_login(moderator)
    assert client.get(CHANGELIST + "add/").status_code == 403
    change = client.get(f"{CHANGELIST}{posts[0].pk}/change/")
    assert change.status_code == 200
    assert 'name="body"' not in change.content.decode()  # read-only


def test_moderators_cannot_manage_users(client, moderator):
    client.force_login(moderator)
    assert client.get("/admin/auth/user/").status_code == 403


def test_a_staff_user_without_the_group_cannot_moderate(
    client, django_user_model, posts
):
    staff = django_user_model.objects.create_user("sam", password="pw", is_staff=True)
    client.force_login(staff)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(CHANGELIST + "clear/").status_code == 403
    assert Post.objects.visible().count() == 3


def test_a_plain_user_is_sent_to_the_admin_login(client, user, posts):
    client.force_login(user)
    response = run_action(client, "hide_selected", posts)

    assert Post.objects.visible().count() == 3
    assert response.status_code in (302, 403)


def test_the_moderators_group_has_exactly_the_moderation_permissions():
    from django.contrib.auth.models import Group

    permissions = Group.objects.get(name="Moderators").permissions
    codenames = set(
        permissions.exclude(content_type__app_label="content").values_list(
            "codename", flat=True
        )
    )
    assert {"view_post", "hide_post", "delete_post"} <= codenames
    # Content is written on the site, never added or edited by moderators.
    assert not any(c.startswith(("add_", "change_")) for c in codenames)
    # Moderation records: reports are read and closed, bans made and lifted,
    # the log only read.
    assert set(
        permissions.filter(content_type__app_label="content").values_list(
            "codename", flat=True
        )
    ) == {
        "view_report",
        "change_report",
        "view_ban",
        "add_ban",
        "change_ban",
        "view_auditentry",
        # Display names: seen, and cleared (never written).
        "view_profile",
        "clear_display_name",
    }


def messages_shown(response):
    return [str(m) for m in response.context["messages"]]


def test_action_reports_count_one_post_in_the_singular(client, moderator, posts):
    client.force_login(moderator)

    hid = client.get(run_action(client, "hide_selected", posts[:2]).url)
    deleted = client.get(run_action(client, "delete_selected_items", posts[2:]).url)

    assert messages_shown(hid) == ["Hid 2 posts."]
    assert messages_shown(deleted) == ["Deleted 1 post."]


def test_clearing_one_post_reports_it_in_the_singular(client, moderator, posts):
    from tests.conftest import csrf_token

    services.hide_posts(posts[1:], by=None, via="command")
    client.force_login(moderator)
    token = csrf_token(client, "/board/")

    response = client.post(
        CHANGELIST + "clear/", {"csrfmiddlewaretoken": token}, follow=True
    )

    assert messages_shown(response) == ["Cleared the board: hid 1 post."]


def test_the_post_list_shows_topics_and_replies_linked_and_filters_starters(
    client, moderator
):
    topic = services.create_post(body="Bikes for sale", title="Bikes")[0]
    reply = services.create_post(body="Still there?", topic=topic)[0]
    client.force_login(moderator)

    page = client.get(CHANGELIST).content.decode()
    assert f'href="/admin/board/post/{topic.pk}/change/">“Bikes”</a>' in page
    assert f'href="/admin/board/post/?topic__id__exact={topic.pk}">1 reply</a>' in page

    starters = client.get(CHANGELIST + "?starter=yes").content.decode()
    assert "Topic starters" in starters
    assert "Bikes for sale" in starters and "Still there?" not in starters
    replies = client.get(f"{CHANGELIST}?topic__id__exact={topic.pk}")
    assert replies.status_code == 200
    assert "Still there?" in replies.content.decode()
    assert "Bikes for sale" not in replies.content.decode()

    change = client.get(f"/admin/board/post/{reply.pk}/change/").content.decode()
    assert f'href="/admin/board/post/{topic.pk}/change/"' in change
    assert "/admin/r/" in change  # View on site: the post's permalink
