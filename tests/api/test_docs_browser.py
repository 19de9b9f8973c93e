"""The Swagger UI page renders in a real Chromium under the site's CSP."""

import os

import pytest

from tests.live import require_tool

CHROMIUM = os.environ.get("NETSITE_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_swagger_ui_renders_every_collection(live_server, tmp_path):
    chromium = require_tool(
        CHROMIUM, what="Chromium", install="apt-get install chromium"
    )
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            response = page.goto(f"{live_server.url}/api/docs/")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            page.wait_for_selector(".opblock-tag", timeout=20_000)
            title = page.inner_text(".swagger-ui .info .title")
            tags = page.locator(".opblock-tag").all_inner_texts()
            page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
        finally:
            browser.close()
    assert "netsite API" in title
    assert {"posts", "rooms", "messages"} <= {t.strip().lower() for t in tags}
    assert problems == []
