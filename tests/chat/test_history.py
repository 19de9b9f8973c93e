"""
History by keyset: the room page's "Older" and "Newer" links (no JavaScript
needed), the fragment the page's script loads as the reader scrolls, and the
page around one message however old.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chat import services
from chat.models import Message
from chat.views import HISTORY
from content.services import edit_item

pytestmark = pytest.mark.django_db


def ids_in(page):
    return [int(i) for i in re.findall(r'id="message-(\d+)"', page)]


def seed(room, count):
    """Post ``count`` messages through the service; return their ids."""
    return [
        services.post_message(room=room, text=f"m{i}", display_name="kim")[0].pk
        for i in range(count)
    ]


def test_the_room_shows_the_newest_page_and_links_to_older(room):
    ids = seed(room, HISTORY + 5)
    page = Client().get("/chat/lobby/").content.decode()
    assert ids_in(page) == ids[-HISTORY:]
    assert f'href="/chat/lobby/?before={ids[5]}"' in page
    assert "Newer messages" not in page


def test_older_and_newer_links_page_through_without_javascript(room):
    ids = seed(room, 2 * HISTORY + 3)
    browser = Client()
    older = browser.get(f"/chat/lobby/?before={ids[-HISTORY]}").content.decode()
    assert ids_in(older) == ids[3 : HISTORY + 3]
    oldest_link = re.search(r'href="(/chat/lobby/\?before=\d+)"', older).group(1)
    oldest = browser.get(oldest_link).content.decode()
    assert ids_in(oldest) == ids[:3]
    assert "Older messages" not in oldest
    newer_link = re.search(r'href="(/chat/lobby/\?after=\d+)"', oldest).group(1)
    assert ids_in(browser.get(newer_link).content.decode()) == ids[3 : HISTORY + 3]
    # The page form still posts from an old page.
    assert 'id="chat-form"' in oldest


def test_a_bad_page_address_is_a_404(room):
    for query in ("before=x", "after=-1", "before=" + "9" * 30):
        assert Client().get(f"/chat/lobby/?{query}").status_code == 404


def test_every_page_costs_the_same_few_queries_however_deep(room):
    ids = seed(room, 3 * HISTORY)
    browser = Client()

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(url).status_code == 200
        sql = " ".join(q["sql"] for q in captured.captured_queries).upper()
        assert "OFFSET" not in sql
        return len(captured.captured_queries)

    shallow = queries(f"/chat/lobby/history/?before={ids[-1]}")
    deep = queries(f"/chat/lobby/history/?before={ids[10]}")
    assert shallow == deep
    assert queries(f"/chat/lobby/?before={ids[-1]}") == queries(
        f"/chat/lobby/?before={ids[10]}"
    )


def test_the_fragment_says_whether_more_lie_beyond(room):
    ids = seed(room, HISTORY + 1)
    fragment = Client().get(f"/chat/lobby/history/?before={ids[-1]}").content.decode()
    assert ids_in(fragment) == ids[:HISTORY]
    assert 'data-has-older="false"' in fragment
    fragment = Client().get(f"/chat/lobby/history/?before={ids[-2]}").content.decode()
    assert 'data-has-older="false"' in fragment
    fragment = Client().get(f"/chat/lobby/history/?after={ids[0]}").content.decode()
    assert ids_in(fragment) == ids[1:]
    assert 'data-has-newer="false"' in fragment


def test_a_message_page_opens_the_room_at_an_old_message(room):
    ids = seed(room, 3 * HISTORY)
    target = ids[20]
    page = Client().get(f"/chat/lobby/m/{target}/").content.decode()
    shown = ids_in(page)
    assert target in shown
    # Half a page before it (all 20 there are), the rest from it on.
    assert shown == ids[: 20 + HISTORY // 2]
    assert re.search(rf'class="chat-message highlighted" id="message-{target}"', page)
    assert "Older messages" not in page  # 20 before it: all shown
    assert f'href="/chat/lobby/?after={shown[-1]}"' in page


def test_the_link_of_a_message_is_its_page_and_its_anchor(room):
    (message_id,) = seed(room, 1)
    message = Message.objects.get(pk=message_id)
    assert message.get_absolute_url() == (
        f"/chat/lobby/m/{message_id}/#message-{message_id}"
    )
    page = Client().get("/chat/lobby/").content.decode()
    assert f'href="/chat/lobby/m/{message_id}/"' in page


def test_a_message_page_of_a_hidden_or_foreign_message_is_a_404(room, other_room):
    (here,) = seed(room, 1)
    (there,) = seed(other_room, 1)
    assert Client().get(f"/chat/lobby/m/{there}/").status_code == 404
    Message.objects.filter(pk=here).update(hidden=True)
    assert Client().get(f"/chat/lobby/m/{here}/").status_code == 404


def test_days_are_separated_and_times_are_one_utc_time_element(room):
    ids = seed(room, 3)
    Message.objects.filter(pk=ids[0]).update(
        created=datetime(2026, 11, 16, 23, 59, tzinfo=UTC)
    )
    Message.objects.filter(pk=ids[1]).update(
        created=datetime(2026, 11, 17, 0, 1, tzinfo=UTC)
    )
    Message.objects.filter(pk=ids[2]).update(
        created=datetime(2026, 11, 17, 0, 1, tzinfo=UTC) + timedelta(hours=1)
    )
    page = Client().get("/chat/lobby/").content.decode()
    assert page.count('class="day-separator"') == 2
    assert "Monday 16 November 2026" in page
    assert "Tuesday 17 November 2026" in page
    assert (
        '<time datetime="2026-11-16T23:59:00+00:00" data-format="time">23:59</time>'
        in page
    )


def items_in(page):
    """Each message's <li> by id, the per-render CSRF tokens blanked."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    pattern = r'(?s)<li class="chat-message[^"]*" id="message-(\d+)".*?</li>'
    return {int(m.group(1)): m.group(0) for m in re.finditer(pattern, page)}


def test_history_pages_show_messages_as_the_room_page_does(room, django_user_model):
    ada = django_user_model.objects.create_user("ada", password="pw")
    mine, _ = services.post_message(room=room, text="**first** draft", author=ada)
    edit_item(mine, text="**first** text", by=ada, via="chat")
    guest, _ = services.post_message(room=room, text="hello", display_name="kim")
    # Shown as stored, never rendered again.
    Message.objects.filter(pk=mine.pk).update(html="<p>as <em>stored</em></p>")
    browser = Client()
    browser.force_login(ada)
    pages = {
        "room": browser.get("/chat/lobby/"),
        "older": browser.get(f"/chat/lobby/?before={guest.pk + 1}"),
        "message": browser.get(f"/chat/lobby/m/{mine.pk}/"),
        "fragment": browser.get(f"/chat/lobby/history/?before={guest.pk + 1}"),
    }
    items = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        items[name] = items_in(response.content.decode())
        assert set(items[name]) == {mine.pk, guest.pk}, name
    own = items["room"][mine.pk]
    assert (
        '<div class="text formatted" data-source="**first** text">'
        "<p>as <em>stored</em></p></div>"
    ) in own
    assert ">(edited)</span>" in own
    assert 'class="edit-own"' in own and 'class="delete-own"' in own
    assert 'class="report"' in own
    assert 'class="badge guest"' in items["room"][guest.pk]
    assert 'class="edit-own"' not in items["room"][guest.pk]
    # The fragment's forms come back to the room; an old page's to itself.
    assert items["fragment"] == items["room"]
    back = f'value="/chat/lobby/?before={guest.pk + 1}"'
    assert {
        pk: item.replace(back, 'value="/chat/lobby/"')
        for pk, item in items["older"].items()
    } == items["room"]
    # The page at one message differs only by its highlight.
    highlighted = items["message"][mine.pk].replace(" highlighted", "", 1)
    back = f'value="/chat/lobby/m/{mine.pk}/"'
    assert highlighted.replace(back, 'value="/chat/lobby/"') == own


def test_search_and_mention_links_open_an_old_message_without_javascript(
    room, django_user_model
):
    bob = django_user_model.objects.create_user("bob")
    old, _ = services.post_message(room=room, text="@bob sourdough", display_name="kim")
    seed(room, 2 * HISTORY)
    browser = Client()
    browser.force_login(bob)
    search = browser.get("/chat/search/?q=sourdough").content.decode()
    mentions = browser.get("/chat/mentions/").content.decode()
    for page in (search, mentions):
        (link,) = re.findall(rf'href="([^"]*#message-{old.pk})"', page)
        assert link == f"/chat/lobby/m/{old.pk}/#message-{old.pk}"
        assert old.pk in ids_in(browser.get(link.split("#")[0]).content.decode())
