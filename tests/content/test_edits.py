"""
Authors edit and delete their own posts and messages within the edit window;
moderators anyone's at any time: the one check (content.services), the
revisions it keeps, and the board's and chat's pages.
"""

from datetime import timedelta

import pytest

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from board import services as board_services
from board.models import Post
from chat.models import Message
from content import bans
from content.models import AuditEntry, Revision
from content.services import ChangeRefused, delete_item, edit_item, may_change
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def age(item, seconds):
    """Make ``item`` written ``seconds`` ago."""
    type(item).objects.filter(pk=item.pk).update(
        created=timezone.now() - timedelta(seconds=seconds)
    )
    item.refresh_from_db()
    return item


@pytest.fixture
def post(user):
    return board_services.create_post(body="Frist post", author=user)[0]


def revisions(item):
    return list(Revision.objects.of(item).values_list("text", "edited_by_name"))


# The service: who may -----------------------------------------------------


def test_the_author_edits_their_post_inside_the_window(post, user):
    edited = edit_item(post, text="First post", by=user, via="board")

    post.refresh_from_db()
    assert post.body == edited.body == "First post"
    assert post.edited_at is not None
    assert revisions(post) == [("Frist post", "ada")]
    # An author's own change is not moderation.
    assert not AuditEntry.objects.exists()


def test_the_author_cannot_edit_or_delete_after_the_window(post, user, settings):
    settings.NETSITE_EDIT_WINDOW = 60
    age(post, 61)

    for change in (
        lambda: edit_item(post, text="late", by=user, via="board"),
        lambda: delete_item(post, by=user, via="board"),
    ):
        with pytest.raises(ChangeRefused) as refused:
            change()
        assert refused.value.code == "too_late"
        assert "1 minute" in refused.value.message
    post.refresh_from_db()
    assert post.body == "Frist post"
    assert post.edited_at is None
    assert not Revision.objects.exists()


def test_a_window_of_zero_lets_no_author_change_anything(post, user, settings):
    settings.NETSITE_EDIT_WINDOW = 0
    with pytest.raises(ChangeRefused) as refused:
        edit_item(post, text="no", by=user, via="board")
    assert refused.value.code == "too_late"
    assert not may_change(user, post)


def test_another_member_cannot_change_the_post(post, other_user):
    with pytest.raises(ChangeRefused) as refused:
        edit_item(post, text="mine now", by=other_user, via="api")
    assert refused.value.code == "forbidden"
    with pytest.raises(ChangeRefused):
        delete_item(post, by=other_user, via="api")
    assert Post.objects.get().body == "Frist post"


def test_a_guest_cannot_change_even_their_own_post(client):
    from django.contrib.auth.models import AnonymousUser

    guest_post, _ = board_services.create_post(body="by a guest")
    for who in (None, AnonymousUser()):
        with pytest.raises(ChangeRefused) as refused:
            edit_item(guest_post, text="changed", by=who, via="board")
        assert refused.value.code == "forbidden"
        assert "Log in" in refused.value.message


def test_a_banned_author_cannot_change_their_post(post, user, moderator):
    bans.ban(user=user, reason="spam", by=moderator, via="admin")
    with pytest.raises(bans.Banned):
        edit_item(post, text="sneaky", by=user, via="board")
    with pytest.raises(bans.Banned):
        delete_item(post, by=user, via="board")
    assert Post.objects.get().body == "Frist post"


def test_an_author_cannot_change_a_post_a_moderator_hid(post, user, moderator):
    board_services.hide_posts([post], by=moderator, via="admin")
    post.refresh_from_db()
    with pytest.raises(ChangeRefused) as refused:
        edit_item(post, text="unhide me", by=user, via="board")
    assert refused.value.code == "hidden"


def test_a_moderator_edits_and_deletes_anyones_at_any_time(post, moderator):
    age(post, 10 * 365 * 24 * 3600)
    edit_item(post, text="[removed link]", by=moderator, via="api", reason="spam")

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor_name) == ("edit", "api", "mia")
    assert revisions(post) == [("Frist post", "mia")]

    delete_item(post, by=moderator, via="api")
    assert not Post.objects.exists()
    assert AuditEntry.objects.filter(action="delete").count() == 1


def test_bad_text_is_refused_and_nothing_changes(post, user):
    with pytest.raises(ValidationError) as refused:
        edit_item(post, text="   ", by=user, via="board")
    assert refused.value.error_dict["body"][0].code == "empty"
    assert Post.objects.get().edited_at is None
    assert not Revision.objects.exists()


def test_the_same_text_again_is_no_edit(post, user):
    edit_item(post, text="Frist post", by=user, via="board")
    assert Post.objects.get().edited_at is None
    assert not Revision.objects.exists()


def test_each_edit_keeps_the_text_it_replaced(post, user):
    edit_item(post, text="second", by=user, via="board")
    edit_item(post, text="third", by=user, via="board")
    assert revisions(post) == [("second", "ada"), ("Frist post", "ada")]


def test_deleting_an_item_deletes_its_revisions(post, user, room):
    message = room_message(room, user)
    edit_item(post, text="edited", by=user, via="board")
    edit_item(message, text="edited", by=user, via="chat")
    delete_item(post, by=user, via="board")

    left = Revision.objects.get()
    assert left.content_type == ContentType.objects.get_for_model(Message)
    room.delete()  # its messages go, and their revisions with them
    assert not Revision.objects.exists()


def room_message(room, user, text="hello"):
    from chat import services as chat_services

    return chat_services.post_message(room=room, text=text, author=user)[0]


@pytest.fixture
def room(db):
    from chat import services as chat_services

    return chat_services.create_room(title="Lobby")


# The board's pages -------------------------------------------------------------


def edit_links(page, post):
    return (
        f'href="/board/posts/{post.pk}/edit/"' in page,
        f'href="/board/posts/{post.pk}/remove/"' in page,
    )


def test_the_author_sees_edit_and_delete_on_their_post(client, user, post):
    client.force_login(user)
    page = client.get("/board/").content.decode()
    assert edit_links(page, post) == (True, True)


def test_nobody_else_sees_them(client, other_user, post):
    assert edit_links(client.get("/board/").content.decode(), post) == (False, False)
    client.force_login(other_user)
    assert edit_links(client.get("/board/").content.decode(), post) == (False, False)


def test_the_author_no_longer_sees_them_after_the_window(client, user, post, settings):
    settings.NETSITE_EDIT_WINDOW = 60
    age(post, 61)
    client.force_login(user)
    assert edit_links(client.get("/board/").content.decode(), post) == (False, False)


def test_a_moderator_sees_edit_on_every_post(client, moderator, post):
    client.force_login(moderator)
    page = client.get("/board/").content.decode()
    # Delete is the moderators' own button there.
    assert edit_links(page, post) == (True, False)
    assert f'action="/board/posts/{post.pk}/delete/"' in page


def test_the_edit_page_saves_and_redirects_back(client, user, post):
    client.force_login(user)
    url = f"/board/posts/{post.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Frist post" in page.content.decode()

    token = csrf_token(client, url)
    response = client.post(url, {"text": "First post", "csrfmiddlewaretoken": token})

    assert response.status_code == 303
    assert response["Location"] == f"/board/p/{post.pk}/"
    board = client.get("/board/").content.decode()
    assert "First post" in board
    assert "(edited)" in board
    assert "Saved your changes to the post." in board
    assert revisions(post) == [("Frist post", "ada")]


def test_the_edit_page_shows_a_bad_text_on_the_form(client, user, post):
    client.force_login(user)
    url = f"/board/posts/{post.pk}/edit/"
    token = csrf_token(client, url)
    response = client.post(url, {"text": "  ", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert "Write something before posting." in response.content.decode()
    assert Post.objects.get().body == "Frist post"


def test_the_edit_page_refuses_with_a_reason(client, user, other_user, post, settings):
    url = f"/board/posts/{post.pk}/edit/"
    guest = client.get(url)
    assert guest.status_code == 302  # to the login page
    assert guest["Location"].startswith("/accounts/login/")

    client.force_login(other_user)
    token = csrf_token(client)
    response = client.post(url, {"text": "x", "csrfmiddlewaretoken": token})
    assert response.status_code == 403
    assert "Only its author or a moderator may edit this post." in (
        response.content.decode()
    )

    client.force_login(user)
    settings.NETSITE_EDIT_WINDOW = 60
    age(post, 61)
    response = client.get(url)
    assert response.status_code == 403
    assert "Too late" in response.content.decode()
    assert Post.objects.get().body == "Frist post"


def test_deleting_asks_first_then_deletes_with_a_post(client, user, post):
    client.force_login(user)
    url = f"/board/posts/{post.pk}/remove/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Post.objects.exists()  # a GET only asks
    assert '<form method="post" class="delete-form">' in confirm.content.decode()

    token = csrf_token(client, url)
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert not Post.objects.exists()
    assert "Deleted your post." in client.get("/board/").content.decode()


def test_a_banned_author_is_told_why(client, user, moderator, post):
    bans.ban(user=user, reason="spam", by=moderator, via="admin")
    client.force_login(user)
    response = client.get(f"/board/posts/{post.pk}/remove/")
    assert response.status_code == 403
    assert "You are banned from posting" in response.content.decode()


def test_a_hidden_post_does_not_exist_for_its_author(client, user, moderator, post):
    board_services.hide_posts([post], by=moderator, via="admin")
    client.force_login(user)
    assert client.get(f"/board/posts/{post.pk}/edit/").status_code == 404


# The chat room page (without JavaScript) ------------------------------------------


def test_the_room_page_offers_edit_on_your_own_message_only(client, user, room):
    mine = room_message(room, user, "mine")
    theirs = room_message(room, None, "theirs")
    client.force_login(user)
    page = client.get(room.get_absolute_url()).content.decode()
    assert f'href="/chat/messages/{mine.pk}/edit/"' in page
    assert f'href="/chat/messages/{theirs.pk}/edit/"' not in page
    assert 'data-edit-window="900"' in page


def test_an_edited_message_is_marked_on_the_room_page(client, user, room):
    message = room_message(room, user, "helo")
    edit_item(message, text="hello", by=user, via="chat")
    page = client.get(room.get_absolute_url()).content.decode()
    assert '<span class="edited" title="Edited ' in page
    assert ">(edited)</span>" in page


def test_a_message_is_edited_from_its_page_without_javascript(client, user, room):
    message = room_message(room, user, "helo")
    client.force_login(user)
    url = f"/chat/messages/{message.pk}/edit/"
    token = csrf_token(client, url)
    response = client.post(url, {"text": "hello", "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert response["Location"] == (
        f"{room.get_absolute_url()}m/{message.pk}/#message-{message.pk}"
    )
    assert Message.objects.get().text == "hello"


# The admin ---------------------------------------------------------------------


def test_a_moderator_reads_the_earlier_versions_on_the_items_admin_page(
    client, user, moderator, post, room
):
    edit_item(post, text="First post", by=user, via="board")
    edit_item(post, text="First post!", by=moderator, via="admin")
    message = room_message(room, user, "helo")
    edit_item(message, text="hello", by=user, via="chat")
    client.force_login(moderator)

    page = client.get(f"/admin/board/post/{post.pk}/change/").content.decode()
    assert "Earlier versions (the text each edit replaced)" in page
    # Newest first (the topic's title, made of the first text, stays above).
    versions = page[page.index("Earlier versions") :]
    assert versions.index("First post<") < versions.index("Frist post<")
    assert ">mia<" in page and ">ada<" in page
    chat = client.get(f"/admin/chat/message/{message.pk}/change/").content.decode()
    assert "helo" in chat
