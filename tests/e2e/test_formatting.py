"""
Formatted text in Chromium: a chat message and a board post written in
Markdown show formatted, live on other open pages and after a reload, and
Shift+Enter in the chat composer starts a new line instead of sending.
"""

from playwright.sync_api import expect

from tests.e2e.test_board import post_through_form, unique
from tests.e2e.test_board_live import open_board
from tests.e2e.test_chat import DELIVERED, make_room, open_room


def expect_formatted_message(page, marker):
    message = page.locator(DELIVERED, has_text=marker)
    expect(message).to_have_count(1)
    body = message.locator(".text.formatted")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("code")).to_have_text("<b>code</b>")
    expect(body.locator("br")).to_have_count(1)
    link = body.locator("a")
    expect(link).to_have_attribute("href", "https://example.org/")
    expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
    expect(body.locator(".mention")).to_have_text("@ada")
    expect(body.locator("b, script")).to_have_count(0)
    assert body.inner_text().splitlines()[-1] == f"second line {marker}"


def test_a_formatted_chat_message_of_two_lines_shows_formatted_live(pages, server):
    slug = make_room(server)
    sender, reader = pages.new(), pages.new()
    open_room(sender, server, slug)
    open_room(reader, server, slug)
    marker = unique("m")

    box = sender.locator("#chat-form textarea[name=text]")
    box.click()
    box.press_sequentially("**bold** `<b>code</b>` https://example.org/ @ada")
    box.press("Shift+Enter")
    box.press_sequentially(f"second line {marker}")
    # Shift+Enter made a new line and sent nothing.
    expect(box).to_have_value(
        f"**bold** `<b>code</b>` https://example.org/ @ada\nsecond line {marker}"
    )
    expect(sender.locator(DELIVERED)).to_have_count(0)
    box.press("Enter")

    expect(box).to_have_value("")
    for page in (sender, reader):
        expect_formatted_message(page, marker)
    expect(sender.locator("#chat-log .delivered", has_text=marker)).to_have_count(1)
    reader.reload()
    expect_formatted_message(reader, marker)
    assert sender.problems == [] and reader.problems == []


def test_a_formatted_board_post_shows_formatted_live_and_after_reload(pages, server):
    watcher, writer = pages.new(), pages.new()
    open_board(watcher, server)
    marker = unique("p")
    body = f"> quoted *words*\n\n- one\n- two [link](javascript:alert(1))\n\n{marker}"

    post_through_form(writer, server, body)

    for page in (watcher, writer):
        if page is watcher:
            # On the board, a new topic's line (around its first post) is fresh.
            post = page.locator(".fresh article.post", has_text=marker)
        else:
            post = page.locator("article.post", has_text=marker)
        expect(post).to_have_count(1)
        shown = post.locator(".post-body")
        expect(shown.locator("blockquote em")).to_have_text("words")
        expect(shown.locator("li")).to_have_count(2)
        # The javascript: link is not a link: it shows as the text it was.
        expect(shown.locator("a")).to_have_count(0)
        expect(shown.locator("li").last).to_have_text("two [link](javascript:alert(1))")
    watcher.reload()
    expect(
        watcher.locator("article.post", has_text=marker).locator("blockquote em")
    ).to_have_text("words")
    assert watcher.problems == [] and writer.problems == []
