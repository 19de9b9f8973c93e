"""
Chat history, links to messages and unread counts in Chromium: older
messages load as the reader scrolls up, with day separators in the reader's
time zone; a link to an old message opens the room there; the room list's
unread count rises live and the room shows a "new messages" line.
"""

import json
import uuid

from playwright.sync_api import expect

from tests.e2e.test_accounts import sign_up
from tests.e2e.test_chat import DELIVERED, make_room, open_room, send

# Messages 10:30 and 11:30 UTC on Monday 16 November 2026: the same day in
# UTC, but 23:30 on Monday and 00:30 on Tuesday in Auckland (UTC+13).
SEED = """
from datetime import datetime, timedelta, UTC
from chat.models import Message
from chat.services import post_message, refresh_activity
from chat.models import Room
room = Room.objects.get(slug={slug!r})
ids = [post_message(room=room, text=f"old {{i}}", display_name="kim")[0].pk
       for i in range({count})]
start = datetime(2026, 11, 16, 10, 30, tzinfo=UTC)
for n, pk in enumerate(ids):
    Message.objects.filter(pk=pk).update(created=start + timedelta(hours=n))
refresh_activity([room.pk])
print(ids)
"""


def seed(server, slug, count):
    return json.loads(server.shell(SEED.format(slug=slug, count=count)))


def scroll_to_top(page):
    page.locator("#chat-scroll").evaluate(
        "box => { box.scrollTop = -(box.scrollHeight - box.clientHeight); }"
    )


def test_scrolling_up_loads_older_messages_with_days_in_the_readers_zone(pages, server):
    slug = make_room(server)
    ids = seed(server, slug, 120)
    page = pages.new(timezone_id="Pacific/Auckland", locale="en-GB")
    open_room(page, server, slug)
    expect(page.locator(DELIVERED)).to_have_count(50)
    top = page.locator(f"#message-{ids[70]}")

    scroll_to_top(page)
    expect(page.locator(DELIVERED)).to_have_count(100)
    # What the reader saw stays in place: the old top is still in view.
    expect(top).to_be_in_viewport()
    scroll_to_top(page)
    expect(page.locator(DELIVERED)).to_have_count(120)
    expect(page.locator("#older-link")).to_be_hidden()

    # One message an hour from 23:30 on Monday, Auckland time: the first
    # separator is Monday's, the next comes after one message.
    first = page.locator(f"#message-{ids[0]}")
    expect(first.locator("time")).to_have_text("23:30")
    separators = page.locator("#chat-log > .day-separator")
    expect(separators.first).to_have_text("Monday 16 November")
    expect(separators.nth(1)).to_have_text("Tuesday 17 November")
    order = page.locator("#chat-log > li").evaluate_all(
        "items => items.map(i => i.id || i.className)"
    )
    monday = order.index("day-separator")
    assert order[monday + 1] == f"message-{ids[0]}"
    assert order[monday + 2] == "day-separator"
    assert order[monday + 3] == f"message-{ids[1]}"
    # 120 hours from 23:30 on the 16th: six days, six separators.
    expect(separators).to_have_count(6)
    assert page.problems == []


def test_a_link_to_an_old_message_opens_the_room_there(pages, server):
    slug = make_room(server)
    ids = seed(server, slug, 150)
    target = ids[5]
    page = pages.new()
    page.goto(f"{server.url}/chat/{slug}/#message-{target}")
    page.wait_for_url(f"{server.url}/chat/{slug}/m/{target}/")
    message = page.locator(f"#message-{target}")
    expect(message).to_have_class("chat-message highlighted")
    expect(message).to_be_in_viewport()
    # Scrolling down loads the newer messages up to the newest, then goes live.
    for _ in range(10):
        page.locator("#chat-scroll").evaluate("box => { box.scrollTop = 0; }")
        if page.locator(f"#message-{ids[-1]}").count():
            break
        page.wait_for_timeout(300)
    expect(page.locator(f"#message-{ids[-1]}")).to_have_count(1)
    expect(page.locator("#chat-status")).to_have_text("Live")
    assert page.problems == []


def test_the_unread_count_rises_live_and_the_room_marks_new_messages(pages, server):
    slug = make_room(server)
    quiet = make_room(server)
    reader, writer = pages.new(), pages.new()
    sign_up(reader, server, f"reader{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}")
    open_room(reader, server, slug)
    send(reader, "before")
    expect(reader.locator(DELIVERED)).to_have_count(1)

    reader.goto(f"{server.url}/chat/")
    row = reader.locator(f"#room-list li[data-room='{slug}']")
    expect(row.locator(".unread")).to_be_hidden()
    expect(reader.locator("#room-list[data-live]")).to_have_count(1)
    open_room(writer, server, quiet)
    send(writer, "elsewhere")
    expect(reader.locator("#room-list li").first).to_have_attribute("data-room", quiet)
    open_room(writer, server, slug)
    for text in ("news one", "news two"):
        send(writer, text)
    expect(row.locator(".unread")).to_have_text("2 unread")
    expect(reader.locator("#room-list li").first).to_have_attribute("data-room", slug)

    reader.goto(f"{server.url}/chat/{slug}/")
    line = reader.locator("#new-messages")
    expect(line).to_have_text("New messages")
    order = reader.locator("#chat-log > li").evaluate_all(
        "items => items.map(i => i.id || i.className)"
    )
    first_new = reader.locator(DELIVERED, has_text="news one").get_attribute("id")
    assert order.index("new-messages") == order.index(first_new) - 1
    reader.goto(f"{server.url}/chat/")
    expect(row.locator(".unread")).to_be_hidden()
    assert reader.problems == [] and writer.problems == []
