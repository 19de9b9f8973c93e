"""
Editing and deleting your own words in Chromium: a chat message edited in
place shows "(edited)" on another reader's open page, and a board post is
edited and then deleted through its pages.
"""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.test_accounts import sign_up
from tests.e2e.test_board import post_through_form, unique
from tests.e2e.test_chat import DELIVERED, make_room, open_room, send


def new_member(page, server):
    username = f"member{uuid.uuid4().hex[:8]}"
    sign_up(page, server, username, f"pw-{uuid.uuid4().hex}")
    return username


def test_an_edited_chat_message_shows_edited_on_another_readers_page(pages, server):
    slug = make_room(server)
    ada, reader = pages.new(), pages.new()
    new_member(ada, server)
    open_room(ada, server, slug)
    open_room(reader, server, slug)
    first, better = unique("helo"), unique("hello")

    send(ada, first)
    mine = ada.locator(f"{DELIVERED}.delivered", has_text=first)
    expect(mine).to_have_count(1)
    theirs = reader.locator(DELIVERED, has_text=first)
    expect(theirs).to_have_count(1)
    # Only the author has the controls.
    expect(theirs.locator(".edit-own")).to_have_count(0)

    mine.get_by_role("link", name="Edit").click()
    editor = mine.get_by_label("New text of the message")
    expect(editor).to_have_value(first)
    editor.fill(better)
    mine.get_by_role("button", name="Save").click()

    for page in (reader, ada):
        changed = page.locator(DELIVERED, has_text=better)
        expect(changed).to_have_count(1)
        mark = changed.locator(".edited")
        expect(mark).to_have_text("(edited)")
        # Its title says when, in the reader's own format.
        expect(mark).to_have_attribute("title", re.compile(r"^Edited \d"))
        expect(page.locator(DELIVERED, has_text=first)).to_have_count(0)
    # The reader's page still has no controls on it; the author's has.
    expect(
        reader.locator(DELIVERED, has_text=better).locator(".edit-own")
    ).to_have_count(0)
    expect(ada.locator(DELIVERED, has_text=better).locator(".edit-own")).to_have_count(
        1
    )
    assert ada.problems == [] and reader.problems == []


def test_a_member_edits_then_deletes_their_own_board_post(page, server):
    new_member(page, server)
    body, fixed = unique("Frist post"), unique("First post")
    post_through_form(page, server, body)
    post = page.locator("article.post", has_text=body)

    post.get_by_role("link", name="Edit").click()
    page.get_by_label("Body").fill(fixed)
    page.get_by_role("button", name="Save").click()
    # Back on the post's own page: its topic's.
    page.wait_for_url(re.compile(re.escape(server.url) + r"/board/t/\d+/#post-\d+$"))
    edited = page.locator("article.post", has_text=fixed)
    expect(edited.locator(".edited")).to_have_text("(edited)")
    expect(page.get_by_role("status")).to_have_text("Saved your changes to the post.")

    edited.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading")).to_contain_text("Delete post")
    page.get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/board/"))
    expect(page.get_by_role("status")).to_have_text("Deleted your post.")
    expect(page.locator("article.post", has_text=fixed)).to_have_count(0)
    assert page.problems == []
