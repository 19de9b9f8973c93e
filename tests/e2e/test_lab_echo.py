"""The lab's echo page: an HTML5 WebSocket client round trip, in Chromium."""

from playwright.sync_api import expect

TEXT = "Grüße, <echo>!"


def test_the_echo_page_sends_text_and_binary_and_gets_both_back(page, server):
    page.goto(server.url + "/lab/echo/")
    log = page.locator("#echo-log")
    expect(log).to_contain_text("open connected")

    page.locator("#echo-text").fill(TEXT)
    page.get_by_role("button", name="Send text").click()
    expect(log).to_contain_text(f"message text: {TEXT}")

    page.get_by_role("button", name="Send as binary").click()
    size = len(TEXT.encode())
    expect(log).to_contain_text(f"message binary, {size} bytes: {TEXT}")

    page.get_by_role("button", name="Disconnect").click()
    expect(log).to_contain_text("close code 1000")
    assert page.problems == []
