"""
Nothing typed into a room is lost: messages refused for going too fast are
sent again, and messages typed while the server is away wait for it, even
across a reload of the page.
"""

import json
import shutil

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import start_server
from tests.e2e.test_board import unique
from tests.e2e.test_chat import (
    DELIVERED,
    RECONNECT_TIMEOUT_MS,
    connected_line,
    make_room,
    open_room,
    texts,
)

PENDING = "#chat-log .pending"


@pytest.fixture
def strict_server(chromium):
    """A server of this test's own, with the default chat rate (10 per 5 s)."""
    server = start_server(NETSITE_CHAT_RATE="10/5")
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


def stored_texts(server, slug):
    return json.loads(
        server.shell(
            "import json\n"
            "from chat.models import Message\n"
            f"rows = Message.objects.filter(room__slug={slug!r}).order_by('id')\n"
            "print(json.dumps(list(rows.values_list('text', flat=True))))\n"
        )
    )


def test_thirteen_quick_enters_are_all_stored_in_order(pages, strict_server):
    server = strict_server
    slug = make_room(server)
    page = pages.new()
    open_room(page, server, slug)
    typed = [unique(f"quick {n}") for n in range(13)]

    box = page.locator("#chat-form textarea[name=text]")
    for text in typed:
        box.fill(text)
        box.press("Enter")

    # Ten go through at once; the other three wait for the next window.
    expect(page.locator(DELIVERED)).to_have_count(13, timeout=20_000)
    expect(page.locator(PENDING)).to_have_count(0)
    assert texts(page) == typed
    assert stored_texts(server, slug) == typed
    page.reload()
    expect(page.locator(DELIVERED)).to_have_count(13)
    assert texts(page) == typed
    assert page.problems == []


def test_a_message_sent_while_the_server_is_down_waits_for_it(pages, own_server):
    server = own_server
    slug = make_room(server)
    page = pages.new()
    open_room(page, server, slug)
    url = f"{server.url}/chat/{slug}/"
    across_reload, without_reload = unique("kept over a reload"), unique("kept")

    server.stop()
    page.locator("#chat-form textarea[name=text]").fill(across_reload)
    page.get_by_role("button", name="Send").click()
    # Shown as pending on the same page: no form post, no browser error page.
    expect(page.locator(PENDING, has_text=across_reload)).to_have_count(1)
    assert page.url == url
    expect(page.locator("#chat-status")).to_contain_text("kept")
    # The reader reloads while the server is still away, then comes back.
    with pytest.raises(PlaywrightError):
        page.reload()
    server.start()
    page.goto(url)
    expect(page.locator(DELIVERED, has_text=across_reload)).to_have_count(
        1, timeout=RECONNECT_TIMEOUT_MS
    )

    server.stop()
    page.locator("#chat-form textarea[name=text]").fill(without_reload)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(PENDING, has_text=without_reload)).to_have_count(1)
    reconnected = server.log_count(connected_line(slug)) + 1
    server.start()
    server.wait_for_log(
        connected_line(slug), reconnected, timeout=RECONNECT_TIMEOUT_MS / 1000
    )
    expect(page.locator(DELIVERED, has_text=without_reload)).to_have_count(
        1, timeout=RECONNECT_TIMEOUT_MS
    )
    expect(page.locator(PENDING)).to_have_count(0)

    assert stored_texts(server, slug) == [across_reload, without_reload]
    page.reload()
    assert texts(page) == [across_reload, without_reload]
    expect(page.locator(PENDING)).to_have_count(0)


def test_a_guests_message_is_marked_as_a_guests_on_every_page(pages, server):
    slug = make_room(server)
    sender, reader = pages.new(), pages.new()
    open_room(sender, server, slug)
    open_room(reader, server, slug)
    text = unique("who am I")

    sender.get_by_label("Your name").fill("Ada Lovelace")
    sender.locator("#chat-form textarea[name=text]").fill(text)
    sender.get_by_role("button", name="Send").click()

    for page in (sender, reader):
        message = page.locator(DELIVERED, has_text=text)
        expect(message.locator(".badge.guest")).to_have_text("guest")
        expect(message.locator(".author")).to_have_text("Ada Lovelace")
    reader.reload()
    expect(
        reader.locator(DELIVERED, has_text=text).locator(".badge.guest")
    ).to_have_count(1)


def test_a_refused_name_is_explained_and_the_text_given_back(pages, server):
    slug = make_room(server)
    page = pages.new()
    open_room(page, server, slug)
    text = unique("I am the admin")

    page.get_by_label("Your name").fill("Admin")
    page.locator("#chat-form textarea[name=text]").fill(text)
    page.get_by_role("button", name="Send").click()

    expect(page.locator("#chat-log .failed .chat-error")).to_contain_text(
        "reserved for the site"
    )
    expect(page.locator("#chat-form textarea[name=text]")).to_have_value(text)
    assert stored_texts(server, slug) == []
