"""The chat pages through the test client, CSRF enforced."""

import re
from datetime import UTC, datetime

import pytest

from django.test import Client
from django.utils.html import escape

from chat.models import Message, Room
from chat.services import create_room, post_message


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf(browser, url):
    browser.get(url)
    return browser.cookies["csrftoken"].value


def test_the_room_list_shows_rooms_with_recent_activity_first(browser, db):
    quiet, busy = create_room(title="Quiet"), create_room(title="Busy")
    Room.objects.filter(pk=quiet.pk).update(
        created=datetime(2026, 1, 1, tzinfo=UTC),
        last_active=datetime(2026, 1, 1, tzinfo=UTC),
    )
    Room.objects.filter(pk=busy.pk).update(
        created=datetime(2025, 1, 1, tzinfo=UTC),
        last_active=datetime(2025, 1, 1, tzinfo=UTC),
    )
    post_message(room=busy, text="hi")
    page = browser.get("/chat/").content.decode()
    assert page.index("Busy") < page.index("Quiet")
    assert "1 message" in page
    assert quiet.get_absolute_url() in page


def test_creating_a_room_with_a_unicode_title_redirects_to_it(browser, db):
    token = csrf(browser, "/chat/")
    response = browser.post(
        "/chat/", {"title": "Café ☕ 東京", "csrfmiddlewaretoken": token}
    )
    room = Room.objects.get()
    assert response.status_code == 303
    assert response["Location"] == room.get_absolute_url()
    assert room.title == "Café ☕ 東京"
    assert browser.get(response["Location"]).status_code == 200


def test_an_empty_title_is_refused_with_400(browser, db):
    token = csrf(browser, "/chat/")
    response = browser.post("/chat/", {"title": "   ", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert "Give the room a title." in response.content.decode()
    assert not Room.objects.exists()


def test_a_post_without_csrf_token_is_refused(browser, room):
    response = browser.post(room.get_absolute_url(), {"text": "hi"})
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_the_room_page_shows_the_last_50_messages_oldest_first(browser, room):
    for n in range(55):
        post_message(room=room, text=f"message number {n}")
    page = browser.get(room.get_absolute_url()).content.decode()
    assert "message number 4<" not in page
    assert page.index("message number 5<") < page.index("message number 54<")
    assert 'src="/static/chat/room.js"' in page
    assert "<script>" not in page
    last = Message.objects.order_by("-id").first()
    assert f'data-last-id="{last.pk}"' in page


def test_the_form_posts_a_message_and_redirects(browser, room):
    token = csrf(browser, room.get_absolute_url())
    response = browser.post(
        room.get_absolute_url(),
        {
            "text": "no JavaScript here",
            "display_name": "Ada",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 303
    assert response["Location"] == room.get_absolute_url()
    message = Message.objects.get()
    assert (message.text, message.display_name) == ("no JavaScript here", "Ada")
    page = browser.get(response["Location"]).content.decode()
    assert "no JavaScript here" in page
    assert 'value="Ada"' in page  # the guest's name is remembered


def test_a_too_long_message_is_refused_and_its_text_kept(browser, room):
    token = csrf(browser, room.get_absolute_url())
    text = "é" * 2001
    response = browser.post(
        room.get_absolute_url(), {"text": text, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert text in page
    assert "2,000 characters" in page
    assert not Message.objects.exists()


def test_a_blank_message_is_refused_with_400(browser, room):
    token = csrf(browser, room.get_absolute_url())
    response = browser.post(
        room.get_absolute_url(), {"text": "   ", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 400
    assert "Write something before sending." in response.content.decode()


def test_guests_are_sent_to_log_in_when_anonymous_posting_is_off(
    browser, room, settings
):
    token = csrf(browser, room.get_absolute_url())
    settings.NETSITE_ANONYMOUS_POSTING = False
    assert "Log in</a> to chat" in browser.get(room.get_absolute_url()).content.decode()
    response = browser.post(
        room.get_absolute_url(), {"text": "hi", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Message.objects.exists()


def test_an_unknown_room_is_404(browser, db):
    assert browser.get("/chat/nowhere/").status_code == 404


def test_the_echo_page_loads_its_script(browser):
    page = browser.get("/lab/echo/").content.decode()
    assert 'src="/static/netsite/echo.js"' in page
    assert 'data-socket="/ws/echo/"' in page


def test_the_board_page_loads_the_live_script(browser, db):
    page = browser.get("/board/").content.decode()
    assert 'src="/static/board/live.js"' in page


def test_creating_many_rooms_quickly_is_refused_with_429(browser, db):
    token = csrf(browser, "/chat/")
    for n in range(5):
        data = {"title": f"Room {n}", "csrfmiddlewaretoken": token}
        assert browser.post("/chat/", data).status_code == 303
    data = {"title": "One too many", "csrfmiddlewaretoken": token}
    response = browser.post("/chat/", data)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert 'value="One too many"' in response.content.decode()
    assert Room.objects.count() == 5


def test_sending_too_fast_through_the_form_is_refused_with_429(browser, room, settings):
    settings.NETSITE_CHAT_RATE = (1, 60)
    token = csrf(browser, room.get_absolute_url())
    data = {"text": "first", "csrfmiddlewaretoken": token}
    assert browser.post(room.get_absolute_url(), data).status_code == 303
    data = {"text": "second", "csrfmiddlewaretoken": token}
    response = browser.post(room.get_absolute_url(), data)
    assert response.status_code == 429
    assert ">\nsecond</textarea>" in response.content.decode()
    assert Message.objects.count() == 1


def form_key(page):
    """The one-time key in a rendered form."""
    return re.search(r'name="client_id" value="([^"]+)"', page).group(1)


def test_sending_the_same_form_twice_stores_one_message(browser, room):
    url = f"/chat/{room.slug}/"
    page = browser.get(url).content.decode()
    fields = {
        "text": "Sent twice",
        "display_name": "Kim",
        "client_id": form_key(page),
        "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
    }

    first = browser.post(url, fields)
    again = browser.post(url, fields)  # a browser retry after a lost reply

    assert (first.status_code, again.status_code) == (303, 303)
    assert room.messages.count() == 1


@pytest.mark.parametrize("name", ["moderator", "Ｍoderator", "ada"])
def test_a_guest_cannot_chat_under_a_name_that_is_not_theirs(
    browser, room, django_user_model, name
):
    django_user_model.objects.create_user("ada")
    url = f"/chat/{room.slug}/"
    response = browser.post(
        url,
        {
            "text": "Trust me",
            "display_name": name,
            "csrfmiddlewaretoken": csrf(browser, url),
        },
    )

    assert response.status_code == 400
    assert "choose another" in response.content.decode()
    assert room.messages.count() == 0


def test_guests_messages_are_marked_as_guests_in_the_room(browser, room, user):
    post_message(room=room, text="from a guest", display_name="Ada Lovelace")
    post_message(room=room, text="from a member", author=user)

    page = browser.get(f"/chat/{room.slug}/").content.decode()
    guest = page[page.index("Ada Lovelace") : page.index("from a guest")]
    member = page[page.index(">ada<") : page.index("from a member")]
    assert 'class="badge guest"' in guest
    assert "badge" not in member


def test_a_message_from_the_form_is_stored_formatted_and_shown_so(browser, room):
    token = csrf(browser, room.get_absolute_url())
    text = "*first* line\nsecond line, see www.example.org"
    browser.post(room.get_absolute_url(), {"text": text, "csrfmiddlewaretoken": token})
    message = Message.objects.get()
    page = browser.get(room.get_absolute_url()).content.decode()

    assert message.text == text
    assert message.html == (
        "<p><em>first</em> line<br>\nsecond line, see "
        '<a href="http://www.example.org" rel="nofollow noopener noreferrer">'
        "www.example.org</a></p>"
    )
    assert (
        f'<div class="text formatted" data-source="{escape(text)}">{message.html}</div>'
        in page
    )
