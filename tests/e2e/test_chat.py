"""
Chat rooms in Chromium: live delivery, isolation, markup, no-JS, moderation
and a server restart in the middle of a conversation.
"""

import uuid

from playwright.sync_api import expect

from tests.e2e.test_accounts import sign_up
from tests.e2e.test_board import XSS, unique
from tests.e2e.test_moderation import admin_login, make_moderator

DELIVERED = "#chat-log .chat-message[data-id]"
# A reconnect waits a random back-off of up to a few seconds.
RECONNECT_TIMEOUT_MS = 30_000


def make_room(server, title=None):
    """Create a room through chat.services; return its slug."""
    title = title or f"Room {uuid.uuid4().hex[:8]}"
    return server.shell(
        "from chat.services import create_room\n"
        f"print(create_room(title={title!r}).slug)\n"
    ).strip()


def connected_line(slug):
    return f"websocket connected /ws/chat/{slug}/"


def open_room(page, server, slug):
    """Open a room's page and wait until its socket is connected."""
    seen = server.log_count(connected_line(slug))
    page.goto(f"{server.url}/chat/{slug}/")
    server.wait_for_log(connected_line(slug), seen + 1)


def send(page, text):
    page.locator("#chat-form textarea[name=text]").fill(text)
    page.get_by_role("button", name="Send").click()


def texts(page):
    return page.locator(f"{DELIVERED} .text").all_inner_texts()


def test_two_pages_in_a_room_see_each_others_messages_delivered(pages, server):
    slug = make_room(server)
    ada, bob = pages.new(), pages.new()
    open_room(ada, server, slug)
    open_room(bob, server, slug)
    first, second = unique("from Ada"), unique("from Bob")

    ada.get_by_label("Your name").fill("Ada")
    send(ada, first)
    expect(ada.locator("#chat-form textarea[name=text]")).to_have_value("")
    received = bob.locator(DELIVERED, has_text=first)
    expect(received).to_have_count(1)
    expect(received.locator(".author")).to_have_text("Ada")
    send(bob, second)
    expect(ada.locator(DELIVERED, has_text=second)).to_have_count(1)

    for page in (ada, bob):
        expect(page.locator(DELIVERED)).to_have_count(2)
        # The sender's own copy lost its pending mark once stored.
        expect(page.locator("#chat-log .pending")).to_have_count(0)
        assert texts(page) == [first, second]
        assert page.problems == []
    # The sender's copy is marked delivered, whether the ack or the broadcast
    # arrived first.
    expect(ada.locator("#chat-log .delivered", has_text=first)).to_have_count(1)
    expect(bob.locator("#chat-log .delivered", has_text=second)).to_have_count(1)


def test_a_page_in_another_room_sees_nothing(pages, server):
    here, elsewhere = make_room(server), make_room(server)
    sender, neighbour, outsider = pages.new(), pages.new(), pages.new()
    open_room(sender, server, here)
    open_room(neighbour, server, here)
    open_room(outsider, server, elsewhere)
    secret, marker = unique("for this room only"), unique("marker")

    send(sender, secret)
    expect(neighbour.locator(DELIVERED, has_text=secret)).to_have_count(1)
    # A message sent to the other room after it has arrived: once the outsider
    # has that one, the first would have reached it too.
    send(outsider, marker)
    expect(outsider.locator(DELIVERED, has_text=marker)).to_have_count(1)

    assert texts(outsider) == [marker]


def test_markup_in_a_chat_message_shows_as_text_and_never_runs(pages, server):
    slug = make_room(server)
    sender, reader = pages.new(), pages.new()
    open_room(sender, server, slug)
    open_room(reader, server, slug)
    text = unique(XSS)

    send(sender, text)

    for page in (sender, reader):
        message = page.locator(DELIVERED, has_text=text)
        expect(message.locator(".text")).to_have_text(text)
        expect(message.locator("script, img")).to_have_count(0)
    reader.reload()
    expect(reader.locator(f"{DELIVERED} .text", has_text=text)).to_have_text(text)
    assert sender.problems == [] and reader.problems == []


def test_sending_to_a_room_works_with_javascript_disabled(pages, server):
    slug = make_room(server)
    page = pages.new(java_script_enabled=False)
    text = unique("No script in the room")

    page.goto(f"{server.url}/chat/{slug}/")
    page.get_by_label("Your name").fill("Lynx")
    send(page, text)

    message = page.locator(DELIVERED, has_text=text)
    expect(message.locator(".author")).to_have_text("Lynx")


def test_a_message_a_moderator_hides_leaves_the_open_pages(pages, server):
    slug = make_room(server)
    sender, reader, moderator = pages.new(), pages.new(), pages.new()
    open_room(sender, server, slug)
    open_room(reader, server, slug)
    text = unique("Spam in the room")
    send(sender, text)
    message = reader.locator(DELIVERED, has_text=text)
    message_id = message.get_attribute("data-id")

    admin_login(
        moderator, server, *make_moderator(server), next_path="/admin/chat/message/"
    )
    moderator.locator(f"input[name=_selected_action][value='{message_id}']").check()
    moderator.locator("select[name=action]").select_option("hide_selected")
    moderator.get_by_role("button", name="Go").click()

    for page in (sender, reader):
        expect(page.locator(f"#message-{message_id}")).to_have_count(0)
    reader.reload()
    expect(reader.locator(f"#message-{message_id}")).to_have_count(0)


def test_after_a_server_restart_both_pages_hold_every_message_once_in_order(
    pages, own_server
):
    server = own_server
    slug = make_room(server)
    ada, bob = pages.new(), pages.new()
    open_room(ada, server, slug)
    open_room(bob, server, slug)
    before = [unique(f"before {i}") for i in range(3)]
    during = [unique(f"while down {i}") for i in range(3)]
    after = [unique(f"after {i}") for i in range(2)]

    for i, text in enumerate(before):
        send(ada if i % 2 == 0 else bob, text)
    expect(bob.locator(DELIVERED)).to_have_count(len(before))

    server.stop()
    for page in (ada, bob):
        expect(page.locator("#chat-status")).to_have_attribute("data-state", "closed")
    # Written while the pages are cut off: they must catch up on reconnect.
    server.shell(
        "from chat.models import Room\n"
        "from chat.services import post_message\n"
        f"room = Room.objects.get(slug={slug!r})\n"
        f"for text in {during!r}: post_message(room=room, text=text)\n"
    )
    reconnected = server.log_count(connected_line(slug)) + 2
    server.start()
    server.wait_for_log(
        connected_line(slug), reconnected, timeout=RECONNECT_TIMEOUT_MS / 1000
    )
    for page in (ada, bob):
        expect(page.locator("#chat-status")).to_have_attribute("data-state", "open")
    send(ada, after[0])
    send(bob, after[1])

    expected = before + during + after
    for page in (ada, bob):
        expect(page.locator(DELIVERED)).to_have_count(
            len(expected), timeout=RECONNECT_TIMEOUT_MS
        )
        expect(page.locator("#chat-log .pending")).to_have_count(0)
        shown = texts(page)
        assert sorted(shown) == sorted(expected)  # each exactly once
        assert shown[: len(before) + len(during)] == before + during
        ids = page.locator(DELIVERED).evaluate_all(
            "items => items.map(i => Number(i.dataset.id))"
        )
        assert ids == sorted(ids)
    assert texts(ada) == texts(bob)


def fill_room(server, count):
    slug = make_room(server)
    server.shell(
        "from chat.models import Room\n"
        "from chat.services import post_message\n"
        f"room = Room.objects.get(slug={slug!r})\n"
        f"for i in range({count}): post_message(room=room, text=f'Line {{i}}')\n"
    )
    return slug


def test_a_room_opens_on_its_newest_message_without_javascript(pages, server):
    slug = fill_room(server, 60)
    page = pages.new(java_script_enabled=False)

    page.goto(f"{server.url}/chat/{slug}/")

    # The page shows the last 50 (Line 10 to Line 59), oldest first, and its
    # scroll box starts at the end.
    log = page.locator("#chat-log .chat-message")
    expect(log.first.locator(".text")).to_have_text("Line 10")
    expect(log.last.locator(".text")).to_have_text("Line 59")
    expect(log.last).to_be_in_viewport()
    expect(log.first).not_to_be_in_viewport()


def test_a_room_opens_on_its_newest_message_and_follows_new_ones(pages, server):
    slug = fill_room(server, 60)
    reader, writer = pages.new(), pages.new()
    open_room(reader, server, slug)
    open_room(writer, server, slug)
    log = reader.locator("#chat-log .chat-message")
    expect(log.last).to_be_in_viewport()

    text = unique("Newest")
    send(writer, text)

    newest = reader.locator(DELIVERED, has_text=text)
    expect(newest).to_be_in_viewport()
    assert reader.problems == []


def test_a_room_deleted_while_open_says_so_instead_of_live(pages, server):
    username = f"owner{uuid.uuid4().hex[:8]}"
    token = server.shell(
        "from django.contrib.auth.models import User\n"
        "from rest_framework.authtoken.models import Token\n"
        f"user = User.objects.create_user({username!r})\n"
        "print(Token.objects.create(user=user).key)\n"
    ).strip()
    auth = {"Authorization": f"Token {token}"}
    page = pages.new()
    created = page.request.post(
        f"{server.url}/api/rooms/", data={"title": unique("Short-lived")}, headers=auth
    )
    assert created.status == 201, created.text()
    slug = created.json()["slug"]
    open_room(page, server, slug)
    status = page.locator("#chat-status")
    expect(status).to_have_text("Live")

    deleted = page.request.delete(f"{server.url}/api/rooms/{slug}/", headers=auth)
    assert deleted.status == 204, deleted.text()

    expect(status).to_have_text("This room was deleted.")
    assert page.problems == []


def test_a_guests_name_is_filled_in_again_after_a_live_message(pages, server):
    slug = make_room(server)
    page = pages.new()
    open_room(page, server, slug)
    page.get_by_label("Your name").fill("Otter")
    text = unique("Named")
    send(page, text)
    expect(page.locator(DELIVERED, has_text=text).locator(".author")).to_have_text(
        "Otter"
    )

    open_room(page, server, slug)
    expect(page.get_by_label("Your name")).to_have_value("Otter")
    page.goto(f"{server.url}/board/")
    expect(page.get_by_label("Your name")).to_have_value("Otter")


def test_a_room_page_says_so_when_its_member_logs_out_in_another_tab(page, server):
    username, password = f"member{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    sign_up(page, server, username, password)
    slug = make_room(server)
    open_room(page, server, slug)
    expect(page.locator("#chat-status")).to_have_text("Live")

    other_tab = page.context.new_page()
    other_tab.goto(server.url + "/board/")
    other_tab.get_by_role("button", name="Log out").click()

    # The socket is closed with 4401 and the page does not carry on as a guest.
    expect(page.locator("#chat-status")).to_have_text(
        "You were signed out: reload the page."
    )
    assert page.problems == []
