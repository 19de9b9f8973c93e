"""The Swagger UI page renders in Chromium under the site's CSP."""

from playwright.sync_api import expect

# The UI fetches the schema and builds the page in the browser: slower than a
# plain page on a busy machine.
RENDER_TIMEOUT_MS = 20_000


def test_the_swagger_ui_renders_every_collection(page, server):
    response = page.goto(f"{server.url}/api/docs/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("netsite API", timeout=RENDER_TIMEOUT_MS)
    tags = page.locator(".opblock-tag")
    expect(tags.first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    shown = {tag.strip().lower() for tag in tags.all_inner_texts()}
    assert {"posts", "rooms", "messages"} <= shown
    assert page.problems == []
