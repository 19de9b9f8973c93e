"""Moderating from the board and chat pages: controls, hidden items, forms."""

import pytest

from board.models import Post
from board.services import create_post, hide_posts
from chat.models import Message
from chat.services import create_room, hide_messages, post_message
from content.models import AuditEntry
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def test_moderators_see_controls_and_hidden_posts_marked(client, moderator, user):
    shown = create_post(body="visible post", author=user)[0]
    hidden = create_post(body="hidden post", author=user)[0]
    hide_posts([hidden], by=moderator, via="admin")

    page = client.get("/board/").content.decode()
    assert "hidden post" not in page
    assert f"/board/posts/{shown.pk}/hide/" not in page
    assert f"/board/posts/{shown.pk}/report/" in page

    client.force_login(moderator)
    page = client.get("/board/").content.decode()
    assert "hidden post" in page
    assert 'class="post hidden-item"' in page
    assert f'action="/board/posts/{hidden.pk}/unhide/"' in page
    assert f'action="/board/posts/{shown.pk}/hide/"' in page
    assert f'action="/board/posts/{shown.pk}/delete/"' in page
    assert 'data-socket="/ws/moderation/"' in page

    # The posts' cached fragments carry nobody's controls to the next reader.
    client.logout()
    page = client.get("/board/").content.decode()
    assert f"/board/posts/{shown.pk}/hide/" not in page
    assert f'action="/board/posts/{shown.pk}/report/"' in page
    assert "ws/moderation" not in page


def test_a_moderator_hides_unhides_and_deletes_from_the_board(client, moderator, user):
    post = create_post(body="spam", author=user)[0]
    client.force_login(moderator)
    token = csrf_token(client)
    hidden = client.post(
        f"/board/posts/{post.pk}/hide/",
        {"next": "/board/", "csrfmiddlewaretoken": token},
    )
    assert hidden.status_code == 303 and hidden["Location"] == "/board/"
    assert Post.objects.get().hidden
    client.post(f"/board/posts/{post.pk}/unhide/", {"csrfmiddlewaretoken": token})
    assert not Post.objects.get().hidden
    client.post(f"/board/posts/{post.pk}/delete/", {"csrfmiddlewaretoken": token})
    assert not Post.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", "via")) == [
        ("hide", "board"),
        ("unhide", "board"),
        ("delete", "board"),
    ]


def test_a_moderator_hides_a_chat_message_from_the_room(client, moderator, user):
    room = create_room(title="Lobby")
    message = post_message(room=room, text="rude", author=user)[0]
    client.force_login(moderator)
    path = room.get_absolute_url()
    page = client.get(path).content.decode()
    assert f'action="/chat/messages/{message.pk}/hide/"' in page
    response = client.post(
        f"/chat/messages/{message.pk}/hide/",
        {"next": path, "csrfmiddlewaretoken": csrf_token(client, path)},
        follow=True,
    )
    assert "Hid the message." in response.content.decode()
    assert Message.objects.get().hidden
    page = client.get(path).content.decode()
    assert 'class="chat-message hidden-item"' in page
    assert f'action="/chat/messages/{message.pk}/unhide/"' in page


def test_others_cannot_moderate_from_the_pages(client, user, other_user):
    post = create_post(body="mine", author=user)[0]
    room = create_room(title="Lobby")
    message = post_message(room=room, text="mine", author=user)[0]
    for who in (None, user, other_user):
        if who is not None:
            client.force_login(who)
        token = csrf_token(client)
        for url in (
            f"/board/posts/{post.pk}/hide/",
            f"/board/posts/{post.pk}/delete/",
            f"/chat/messages/{message.pk}/hide/",
        ):
            assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 403
    assert Post.objects.visible().count() == 1
    assert Message.objects.visible().count() == 1
    assert not AuditEntry.objects.exists()


def test_the_moderation_forms_need_post_and_csrf(moderator, user):
    from django.test import Client

    post = create_post(body="x", author=user)[0]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    assert browser.get(f"/board/posts/{post.pk}/hide/").status_code == 405
    assert browser.post(f"/board/posts/{post.pk}/hide/").status_code == 403
    assert not Post.objects.get().hidden


def test_next_never_leads_off_the_site(client, moderator, user):
    post = create_post(body="x", author=user)[0]
    client.force_login(moderator)
    response = client.post(
        f"/board/posts/{post.pk}/hide/",
        {"next": "https://evil.example/", "csrfmiddlewaretoken": csrf_token(client)},
    )
    assert response["Location"] == f"/board/p/{post.pk}/"


def test_hidden_messages_show_to_chat_moderators_only(client, moderator, user):
    room = create_room(title="Lobby")
    message = post_message(room=room, text="hidden one", author=user)[0]
    hide_messages([message], by=moderator, via="admin")
    client.force_login(user)
    assert "hidden one" not in client.get(room.get_absolute_url()).content.decode()
