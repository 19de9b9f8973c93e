"""
The board's live stream in Chromium: open pages follow posts without reload.
"""

import uuid

from playwright.sync_api import expect

from tests.e2e.test_board import XSS, post_through_form, unique
from tests.e2e.test_moderation import admin_login, make_moderator


def open_board(page, server):
    """Open the board and wait until its live stream is connected."""
    connected = "websocket connected /ws/board/"
    seen = server.log_count(connected)
    page.goto(server.url + "/board/")
    server.wait_for_log(connected, seen + 1)


def api_token(server):
    """Create a user with an API token; return the Authorization header."""
    username = f"bot{uuid.uuid4().hex[:8]}"
    token = server.shell(
        "from django.contrib.auth.models import User\n"
        "from rest_framework.authtoken.models import Token\n"
        f"user = User.objects.create_user({username!r})\n"
        "print(Token.objects.create(user=user).key)\n"
    ).strip()
    return {"Authorization": f"Token {token}"}


def test_a_second_open_page_shows_a_new_post_without_reload(pages, server):
    watcher, writer = pages.new(), pages.new()
    open_board(watcher, server)
    body = unique("Live to the other page")

    post_through_form(writer, server, body)

    post = watcher.locator("article.post", has_text=body)
    expect(post).to_have_count(1)
    expect(post.locator("time")).to_have_attribute("data-local", "")
    # It arrived live: the page never navigated.
    assert watcher.url == server.url + "/board/"
    assert watcher.problems == []


def test_a_post_a_moderator_hides_leaves_the_open_pages(pages, server):
    watcher, moderator = pages.new(), pages.new()
    body = unique("Soon hidden")
    post_through_form(watcher, server, body)
    post_id = watcher.locator("article.post", has_text=body).get_attribute("data-id")
    open_board(watcher, server)

    admin_login(
        moderator, server, *make_moderator(server), next_path="/admin/board/post/"
    )
    moderator.locator(f"input[name=_selected_action][value='{post_id}']").check()
    moderator.locator("select[name=action]").select_option("hide_selected")
    moderator.get_by_role("button", name="Go").click()

    expect(watcher.locator(f"#post-{post_id}")).to_have_count(0)


def test_markup_posted_through_the_api_shows_as_text_live_and_never_runs(pages, server):
    auth = api_token(server)
    watcher = pages.new()
    open_board(watcher, server)
    body = unique(XSS)

    reply = watcher.request.post(
        server.url + "/api/posts/",
        data={"body": body},
        headers=auth,
    )
    assert reply.status == 201, reply.text()

    live = watcher.locator("article.post", has_text=body)
    expect(live.locator(".post-body")).to_have_text(body)
    expect(live.locator("script, img")).to_have_count(0)
    watcher.reload()
    expect(watcher.locator("article.post", has_text=body)).to_have_count(1)
    assert watcher.problems == []


def test_a_post_edited_live_keeps_the_readers_local_time(pages, server):
    auth = api_token(server)
    # A zone far from UTC, so that a UTC time cannot pass for a local one.
    watcher = pages.new(timezone_id="Asia/Tokyo")
    open_board(watcher, server)
    created = watcher.request.post(
        server.url + "/api/posts/", data={"body": unique("Typo")}, headers=auth
    )
    assert created.status == 201, created.text()
    post = watcher.locator(f"#post-{created.json()['id']}")
    expect(post.locator("time")).to_have_attribute("data-local", "")

    fixed = unique("Fixed")
    edited = watcher.request.patch(
        f"{server.url}/api/posts/{created.json()['id']}/",
        data={"body": fixed},
        headers=auth,
    )
    assert edited.status == 200, edited.text()

    expect(post.locator(".post-body")).to_have_text(fixed)
    stamp = post.locator("time")
    expect(stamp).to_have_attribute("data-local", "")
    expect(stamp).not_to_contain_text("UTC")
    assert watcher.problems == []


def test_clearing_the_board_live_leaves_the_empty_board_and_no_older_link(
    pages, own_server
):
    server = own_server
    server.shell(
        "from board.services import create_post\n"
        "for i in range(55): create_post(body=f'Before the clear #{i}')\n"
    )
    watcher, moderator = pages.new(), pages.new()
    open_board(watcher, server)
    older = watcher.get_by_role("link", name="Older topics")
    expect(older).to_be_visible()

    admin_login(
        moderator,
        server,
        *make_moderator(server),
        next_path="/admin/board/post/clear/",
    )
    moderator.get_by_role("button", name="Yes, clear the board").click()
    expect(moderator.locator(".messagelist")).to_contain_text(
        "Cleared the board: hid 55 posts."
    )

    expect(watcher.locator("article.post")).to_have_count(0)
    expect(watcher.locator("#posts .empty")).to_have_text("No posts yet.")
    expect(older).to_have_count(0)
    assert watcher.problems == []
