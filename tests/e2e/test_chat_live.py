"""
Presence, typing and mentions in Chromium: two members in one room, each in a
browser context of their own.
"""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.test_accounts import sign_up
from tests.e2e.test_chat import DELIVERED, make_room, open_room

TEXT = "#chat-form [name=text]"


def member(pages, server, prefix):
    page = pages.new()
    username = f"{prefix}{uuid.uuid4().hex[:6]}"
    sign_up(page, server, username, f"pw-{uuid.uuid4().hex}")
    return page, username


def test_a_member_sees_who_is_here_who_types_and_when_they_are_mentioned(pages, server):
    slug = make_room(server, title=f"Lobby {uuid.uuid4().hex[:6]}")
    bob, bob_name = member(pages, server, "bob")
    ada, ada_name = member(pages, server, "ada")
    open_room(bob, server, slug)
    expect(bob.locator("#chat-presence")).to_have_text(f"Here now: {bob_name}.")
    title = bob.title()

    open_room(ada, server, slug)
    present = bob.locator("#chat-presence .present-member")
    expect(present).to_have_text(sorted([ada_name, bob_name]))

    ada.locator(TEXT).press_sequentially("hello ", delay=20)
    expect(bob.locator("#chat-typing")).to_have_text(f"{ada_name} is typing…")

    # "@" and the start of Bob's name offers him; Tab completes it.
    ada.locator(TEXT).press_sequentially("@" + bob_name[:4], delay=20)
    suggestion = ada.locator("#chat-suggestions li")
    expect(suggestion).to_have_text([f"@{bob_name}"])
    ada.locator(TEXT).press("Tab")
    expect(ada.locator(TEXT)).to_have_value(f"hello @{bob_name} ")
    ada.locator(TEXT).press_sequentially("look", delay=20)
    ada.get_by_role("button", name="Send").click()

    expect(bob.locator(DELIVERED, has_text=f"hello @{bob_name} look")).to_have_count(1)
    # The message ends the indicator at once, not 5 s later.
    expect(bob.locator("#chat-typing")).to_have_text("", timeout=1000)
    expect(bob).to_have_title(re.compile(r"^\(1\) " + re.escape(title) + "$"))
    expect(ada).to_have_title(ada.title())
    assert not ada.title().startswith("(")

    bob.goto(f"{server.url}/chat/mentions/")
    # Bob left the room: Ada's page no longer lists him.
    expect(ada.locator("#chat-presence .present-member")).to_have_text([ada_name])
    mention = bob.locator(".mentions .chat-message")
    expect(mention).to_have_count(1)
    expect(mention.locator(".text")).to_have_text(f"hello @{bob_name} look")
    mention.get_by_role("link").click()
    expect(bob.locator(DELIVERED, has_text="look")).to_be_visible()
    expect(present).to_have_text(sorted([ada_name, bob_name]))
    assert ada.problems == [] and bob.problems == []
