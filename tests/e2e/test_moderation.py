"""A moderator hides a board post in the admin, in Chromium."""

import uuid

from playwright.sync_api import expect

from tests.e2e.test_board import post_through_form, unique


def make_moderator(server):
    """Create a staff user in the Moderators group; return (username, password)."""
    username, password = f"mod-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    server.shell(
        "from django.contrib.auth.models import Group, User\n"
        f"user = User.objects.create_user({username!r}, password={password!r},"
        " is_staff=True)\n"
        "user.groups.add(Group.objects.get(name='Moderators'))\n"
    )
    return username, password


def admin_login(page, server, username, password, *, next_path):
    page.goto(f"{server.url}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + next_path)


def test_a_post_a_moderator_hides_is_gone_from_the_board(pages, server):
    reader = pages.new()
    body = unique("Spam spam spam")
    post_through_form(reader, server, body)
    post_id = reader.locator("article.post", has_text=body).get_attribute("data-id")

    moderator = pages.new()
    admin_login(
        moderator, server, *make_moderator(server), next_path="/admin/board/post/"
    )
    moderator.locator(f"input[name=_selected_action][value='{post_id}']").check()
    moderator.locator("select[name=action]").select_option("hide_selected")
    moderator.get_by_role("button", name="Go").click()
    expect(moderator.locator(".messagelist")).to_contain_text("Hid 1 post.")

    reader.reload()
    expect(reader.locator("article.post", has_text=body)).to_have_count(0)
    expect(reader.locator(f"#post-{post_id}")).to_have_count(0)


def test_a_user_outside_the_moderators_group_cannot_open_the_admin(page, server):
    username, password = f"user-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    server.shell(
        "from django.contrib.auth.models import User\n"
        f"User.objects.create_user({username!r}, password={password!r})\n"
    )
    page.goto(f"{server.url}/admin/login/?next=/admin/board/post/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".errornote")).to_be_visible()
    assert "/admin/login/" in page.url


def test_report_then_queue_then_hide_takes_the_post_off_an_open_page(pages, server):
    body = unique("Cheap watches here")
    writer = pages.new()
    post_through_form(writer, server, body, name="Spammer")
    post_id = writer.locator("article.post", has_text=body).get_attribute("data-id")

    # A reader keeps the board open; it goes live.
    reader = pages.new()
    reader.goto(server.url + "/board/")
    expect(reader.locator("#posts")).to_have_attribute("data-live", "open")
    expect(reader.locator(f"#post-{post_id}")).to_have_count(1)

    # A moderator has the admin open: the badge counts open reports live.
    moderator = pages.new()
    admin_login(moderator, server, *make_moderator(server), next_path="/admin/")
    badge = moderator.locator("#report-badge")
    expect(badge).to_have_attribute("data-live", "open")
    expect(badge.locator("[data-report-count]")).to_have_text("0")
    # ...and the board open in another tab, where a notice will appear.
    watching = moderator.context.new_page()
    watching.goto(server.url + "/board/")
    expect(watching.locator("#report-badge")).to_have_attribute("data-live", "open")
    expect(watching.locator("#report-notice")).to_be_hidden()

    # Another visitor reports the post with the form under it (no script needed).
    reporter = pages.new()
    reporter.goto(server.url + "/board/")
    post = reporter.locator(f"#post-{post_id}")
    post.get_by_text("Report", exact=True).click()
    post.get_by_label("What is wrong?").fill("Spam: watch adverts")
    post.get_by_role("button", name="Send report").click()
    expect(reporter.locator(".messages")).to_contain_text(
        "the moderators will look at this post"
    )

    expect(badge.locator("[data-report-count]")).to_have_text("1")
    notice = watching.locator("#report-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("New report of a post")
    expect(notice).to_contain_text("Spam: watch adverts")
    badge.click()
    moderator.wait_for_url(server.url + "/admin/content/report/queue/")
    entry = moderator.locator(f"#queue-post-{post_id}")
    expect(entry).to_contain_text(body)
    expect(entry).to_contain_text("Spam: watch adverts")
    entry.get_by_role("button", name="Hide", exact=True).click()
    expect(moderator.locator(".messagelist")).to_contain_text("Hid the item.")
    expect(moderator.locator(".queue-empty")).to_be_visible()

    # Gone from the reader's open page without a reload.
    expect(reader.locator(f"#post-{post_id}")).to_have_count(0)
    for page in (writer, reader, moderator, reporter):
        assert page.problems == []
