"""Signing up, logging in and posting under one's own name, in Chromium."""

import uuid

from playwright.sync_api import expect

from tests.e2e.test_board import unique


def sign_up(page, server, username, password):
    page.goto(server.url + "/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(server.url + "/")


def test_a_new_member_signs_up_logs_in_again_and_posts_under_their_name(page, server):
    username, password = f"member{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"

    sign_up(page, server, username, password)
    expect(page.locator(".whoami")).to_have_text(username)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".whoami")).to_have_text(username)

    page.goto(server.url + "/board/")
    # A member posts under their username: the form has no name field.
    expect(page.get_by_label("Your name")).to_have_count(0)
    body = unique("Members post too")
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Post").click()

    post = page.locator("article.post", has_text=body)
    expect(post.locator(".author")).to_have_text(username)
    assert page.problems == []


def test_sign_up_with_mismatched_passwords_says_so_and_logs_nobody_in(page, server):
    page.goto(server.url + "/accounts/signup/")
    page.get_by_label("Username").fill(f"member{uuid.uuid4().hex[:8]}")
    page.locator("#id_password1").fill("a-Long-passw0rd")
    page.locator("#id_password2").fill("another-passw0rd")
    page.get_by_role("button", name="Create account").click()

    expect(page.locator("main")).to_contain_text("didn’t match")
    expect(page.locator(".whoami")).to_have_count(0)


def test_a_wrong_password_does_not_log_in(page, server):
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("Username").fill("nobody-here")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator("main")).to_contain_text("Please enter a correct username")
    expect(page.locator(".whoami")).to_have_count(0)
