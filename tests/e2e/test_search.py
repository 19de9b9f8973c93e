"""Search in Chromium: from a room's page to the message, and back into the room."""

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.test_chat import DELIVERED, make_room, open_room, send


def test_a_search_from_the_room_page_finds_a_message_and_opens_the_room_at_it(
    page, server
):
    slug = make_room(server)
    word = f"kettle{uuid.uuid4().hex[:10]}"
    open_room(page, server, slug)
    page.get_by_label("Your name").fill("Ada")
    send(page, f"Is the {word} on? <b>not bold</b>")
    delivered = page.locator(DELIVERED, has_text=word)
    expect(delivered).to_have_count(1)
    message_id = delivered.get_attribute("data-id")

    page.get_by_label("Search this room").fill(f'"{word.upper()}')
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(rf"/chat/{slug}/search/\?q="))
    hit = page.locator(".search-hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text(word)
    expect(hit).to_contain_text("<b>not bold</b>")
    expect(page.locator(".search-result .author")).to_have_text("Ada")

    hit.click()

    expect(page).to_have_url(
        f"{server.url}/chat/{slug}/m/{message_id}/#message-{message_id}"
    )
    expect(page.locator(f"#message-{message_id}")).to_contain_text(word)
    expect(page.locator(f"#message-{message_id}")).to_be_in_viewport()
    assert page.problems == []
