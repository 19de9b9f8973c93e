"""The API's own pages in Chromium: the browsable API and Swagger UI."""

import json
import uuid

from playwright.sync_api import expect


def signed_in(page, server):
    """Sign a new user in through the login form; return the username."""
    username, password = f"api-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    server.shell(
        "from django.contrib.auth.models import User\n"
        f"User.objects.create_user({username!r}, password={password!r})\n"
    )
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + "/")
    return username


def test_the_browsable_api_runs_under_the_csp_and_leads_back_to_the_site(page, server):
    signed_in(page, server)
    slug = server.shell(
        "from board.services import create_post\n"
        "from chat.services import create_room\n"
        "create_post(body='For the browsable API')\n"
        f"print(create_room(title='API room {uuid.uuid4().hex[:6]}').slug)\n"
    ).strip()
    post_id = server.shell(
        "from board.models import Post\nprint(Post.objects.latest('id').pk)\n"
    ).strip()

    # Lists with filters and forms, an item with its edit forms, a nested list.
    for path in ("/api/", "/api/posts/", f"/api/posts/{post_id}/"):
        page.goto(server.url + path)
        expect(page.locator(".page-header h1")).to_be_visible()
    page.goto(f"{server.url}/api/rooms/{slug}/messages/")
    filters = page.get_by_role("button", name="Filters")
    assert filters.evaluate("button => getComputedStyle(button).float") == "right"
    # Every style the page uses is allowed: Chromium reports each refusal.
    assert page.problems == []

    page.get_by_role("link", name="netsite", exact=True).click()
    page.wait_for_url(server.url + "/")


def test_swaggers_example_for_a_new_post_works_as_it_is(page, server):
    signed_in(page, server)
    page.goto(server.url + "/api/docs/")
    create = page.locator("#operations-posts-posts_create")
    create.click()
    create.get_by_role("button", name="Try it out").click()

    example = json.loads(create.locator("textarea").input_value())
    assert "hidden" not in example
    create.get_by_role("button", name="Execute").click()

    status = create.locator(
        ".live-responses-table td.response-col_status:not(.col_header)"
    )
    expect(status).to_have_text("201")
    assert page.problems == []
