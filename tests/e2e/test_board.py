"""The message board as a person uses it, in Chromium."""

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

XSS = '<script>alert("script")</script><img src=x onerror="alert(\'img\')">'


def unique(text):
    return f"{text} {uuid.uuid4().hex[:10]}"


def post_through_form(page, server, body, *, name=None):
    page.goto(server.url + "/board/")
    if name is not None:
        page.get_by_label("Your name").fill(name)
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Post").click()
    page.wait_for_url(server.url + "/board/")


def test_a_post_made_through_the_form_shows_with_its_time(page, server):
    body = unique("Hello from Chromium")
    before = datetime.now(UTC).replace(microsecond=0)

    post_through_form(page, server, body, name="Ada")

    post = page.locator("article.post", has_text=body)
    expect(post).to_have_count(1)
    expect(post.locator(".author")).to_have_text("Ada")
    expect(page.get_by_role("status")).to_have_text("Posted.")
    stamp = post.locator("time")
    when = datetime.fromisoformat(stamp.get_attribute("datetime"))
    # The server's clock is this machine's: the post was made between these.
    assert before <= when <= datetime.now(UTC) + timedelta(seconds=1)
    # localtime.js rewrote the UTC fallback into the reader's own format.
    expect(stamp).to_have_attribute("data-local", "")
    assert stamp.inner_text().startswith("Posted: ")
    assert page.problems == []


def test_markup_in_a_post_shows_as_text_and_never_runs(page, server):
    body = unique(XSS)

    post_through_form(page, server, body)
    page.reload()

    post = page.locator("article.post", has_text=body)
    expect(post.locator(".post-body")).to_have_text(body)
    expect(post.locator("script, img")).to_have_count(0)
    assert page.problems == []


def test_older_posts_pages_back_through_the_board_without_gaps(page, server):
    marker = unique("seeded")
    server.shell(
        "from board.services import create_post\n"
        f"for i in range(55): create_post(body=f'{marker} #{{i}}')\n"
    )

    page.goto(server.url + "/board/")
    first = page.locator("article.post").evaluate_all(
        "posts => posts.map(p => Number(p.dataset.id))"
    )
    page.get_by_role("link", name="Older topics").click()
    page.wait_for_url("**/board/?before=*")
    second = page.locator("article.post").evaluate_all(
        "posts => posts.map(p => Number(p.dataset.id))"
    )

    assert len(first) == 50
    assert first == sorted(first, reverse=True)
    assert second and max(second) < min(first)
    seen = page.locator("article.post", has_text=marker).count()
    page.get_by_role("link", name="Latest topics").click()
    seen += page.locator("article.post", has_text=marker).count()
    assert seen == 55
    assert page.problems == []


def test_posting_works_with_javascript_disabled(pages, server):
    page = pages.new(java_script_enabled=False)
    body = unique("No script needed")

    post_through_form(page, server, body, name="Lynx")

    post = page.locator("article.post", has_text=body)
    expect(post.locator(".author")).to_have_text("Lynx")
    # Without localtime.js the server's UTC text stays.
    expect(post.locator("time")).to_contain_text("UTC")


def test_an_empty_post_is_refused_with_a_message(page, server):
    page.goto(server.url + "/board/")
    page.get_by_label("Your name").fill("Kept")
    page.get_by_role("button", name="Post").click()

    expect(page.get_by_role("alert")).to_have_text("Write something before posting.")
    expect(page.get_by_label("Your name")).to_have_value("Kept")


def test_posts_survive_a_server_restart(page, own_server):
    body = unique("Still here")
    post_through_form(page, own_server, body)

    own_server.restart()
    page.reload()

    expect(page.locator("article.post", has_text=body)).to_have_count(1)


def test_a_guests_name_is_filled_in_again_after_a_post(pages, server):
    for javascript in (True, False):
        page = pages.new(java_script_enabled=javascript)
        post_through_form(page, server, unique("Signed"), name="Heron")

        expect(page.get_by_label("Your name")).to_have_value("Heron")
        page.reload()
        expect(page.get_by_label("Your name")).to_have_value("Heron")
