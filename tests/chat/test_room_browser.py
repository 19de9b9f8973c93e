"""
What a person sees: the room page's script, the live board and the echo page
in a real Chromium against a real daphne process.
"""

import os

import pytest

from tests.chat.servers import WAIT, make_site
from tests.live import require_tool

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("NETSITE_CHROMIUM", "/usr/bin/chromium")
TIMEOUT = WAIT * 1000  # Playwright counts milliseconds


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("browser-site"))
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def chromium():
    # The tier rule: one skip line on a developer machine, a failure in CI.
    chromium = require_tool(
        CHROMIUM, what="Chromium", install="apt-get install chromium"
    )
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium):
    contexts = []

    def open_page(url):
        context = chromium.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        problems = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.problems = problems
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()


def http(site, path):
    return f"http://127.0.0.1:{site.port}{path}"


def test_a_message_typed_in_one_page_appears_in_another(site, open_page):
    ada = open_page(http(site, "/chat/lobby/"))
    bob = open_page(http(site, "/chat/lobby/"))
    for page in (ada, bob):
        page.locator("#chat-status[data-state=open]").wait_for()
    ada.fill("input[name=display_name]", "Ada")
    ada.fill("input[name=text]", "hello <b>bob</b>")
    ada.press("input[name=text]", "Enter")
    mine = ada.locator(".chat-message[data-id]", has_text="hello <b>bob</b>")
    mine.wait_for()
    ada.locator(".chat-message.pending").wait_for(state="detached")
    assert ada.input_value("input[name=text]") == ""
    theirs = bob.locator(".chat-message[data-id]", has_text="hello <b>bob</b>")
    theirs.wait_for()
    assert theirs.locator(".author").inner_text() == "Ada"
    assert bob.locator(".chat-message b").count() == 0  # shown as text
    assert ada.problems == [] and bob.problems == []


def test_the_room_page_resumes_after_the_server_restarts(site, open_page):
    page = open_page(http(site, "/chat/lobby/"))
    page.locator("#chat-status[data-state=open]").wait_for()
    site.stop()
    page.locator("#chat-status[data-state=closed]").wait_for()
    assert site.manage("say", "lobby", "said while the server was down").returncode == 0
    site.start()
    page.locator(".chat-message", has_text="said while the server was down").wait_for()
    page.locator("#chat-status[data-state=open]").wait_for()


def test_the_room_page_works_without_javascript(site, chromium):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(http(site, "/chat/lobby/"))
        page.fill("input[name=text]", "sent by the form")
        page.click("button[type=submit]")
        page.locator(".chat-message", has_text="sent by the form").wait_for()
        assert page.url == http(site, "/chat/lobby/")
    finally:
        context.close()


def test_a_new_board_post_appears_on_an_open_board_page(site, open_page):
    reader = open_page(http(site, "/board/"))
    writer = open_page(http(site, "/board/"))
    reader.locator("#posts[data-live=open]").wait_for()
    writer.fill("textarea[name=body]", "live on the board")
    writer.click("form.post-form button[type=submit]")
    reader.locator(".post", has_text="live on the board").wait_for()
    assert reader.problems == []


def test_the_echo_page_shows_the_socket_events(site, open_page):
    page = open_page(http(site, "/lab/echo/"))
    log = page.locator("#echo-log")
    log.locator("li", has_text="open").wait_for()
    page.fill("#echo-text", "ping ☕")
    page.click("#echo-form button[type=submit]")
    log.locator("li", has_text="text: ping ☕").nth(1).wait_for()
    page.click("#echo-binary")
    log.locator("li", has_text="binary, 8 bytes: ping ☕").wait_for()
    page.click("#echo-toggle")
    log.locator("li", has_text="code 1000").wait_for()
    assert page.problems == []
