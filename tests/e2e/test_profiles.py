"""
A member's display name on the board and in chat, and a forgotten password
reset by e-mail, in Chromium.
"""

import email
import re
import shutil
import tempfile
import uuid
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_server
from tests.e2e.test_accounts import sign_up
from tests.e2e.test_board import unique
from tests.e2e.test_chat import DELIVERED, make_room, open_room, send


def test_a_member_chooses_a_display_name_and_their_post_shows_it(page, server):
    username, password = f"member{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    sign_up(page, server, username, password)
    page.goto(server.url + "/board/")
    body = unique("Written before the new name")
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Post").click()
    expect(page.locator("article.post", has_text=body).locator(".author")).to_have_text(
        username
    )

    page.get_by_role("navigation", name="Site").get_by_role(
        "link", name="Profile"
    ).click()
    shown = f"Countess {uuid.uuid4().hex[:6]}"
    page.get_by_label("Display name").fill(shown)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Display name saved.")).to_be_visible()

    page.goto(server.url + "/board/")
    post = page.locator("article.post", has_text=body)
    expect(post.locator(".author")).to_have_text(shown)
    # The username stays beside it, so the name cannot pass for someone else's.
    expect(post.locator(".username")).to_have_text(f"@{username}")
    post.locator(".author").click()
    page.wait_for_url(f"{server.url}/members/{username}/")
    expect(page.locator("h1")).to_have_text(shown)
    expect(page.locator(".member-username")).to_have_text(f"@{username}")
    assert page.problems == []


def test_a_reserved_display_name_is_refused_on_the_form(page, server):
    username, password = f"member{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    sign_up(page, server, username, password)
    page.goto(server.url + "/accounts/profile/")
    page.get_by_label("Display name").fill("Аdmin")  # a Cyrillic А
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is reserved for the site and its staff")).to_be_visible()
    expect(page.get_by_label("Display name")).to_have_value("Аdmin")


@pytest.fixture
def mail_server(chromium):
    """A server that writes its mail into files, one per message."""
    outbox = Path(tempfile.mkdtemp(prefix="netsite-mail-"))
    server = start_server(EMAIL_FILE_PATH=str(outbox))
    server.outbox = outbox
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)
    shutil.rmtree(outbox, ignore_errors=True)


def mails(outbox):
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(outbox.iterdir())
    ]


def test_a_forgotten_password_is_reset_through_the_link_in_the_mail(page, mail_server):
    server = mail_server
    username = f"member{uuid.uuid4().hex[:8]}"
    old, new = f"pw-{uuid.uuid4().hex}", f"pw-{uuid.uuid4().hex}"
    address = f"{username}@example.com"
    page.goto(server.url + "/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail (optional)").fill(address)
    page.locator("#id_password1").fill(old)
    page.locator("#id_password2").fill(old)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(server.url + "/")
    page.get_by_role("button", name="Log out").click()

    page.goto(server.url + "/accounts/login/")
    page.get_by_role("link", name="Reset it by e-mail").click()
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    (mail,) = mails(server.outbox)
    assert mail["To"] == address
    text = mail.get_body(preferencelist=("plain",)).get_content()
    (link,) = re.findall(r"http://\S+/accounts/password/reset/\S+/", text)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.locator("#id_new_password1").fill(new)
    page.locator("#id_new_password2").fill(new)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()

    page.locator("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(new)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".whoami")).to_have_text(username)
    assert page.problems == []


def test_a_live_chat_message_shows_the_display_name_linked_with_the_username(
    pages, server
):
    slug = make_room(server)
    username, password = f"member{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    writer, reader = pages.new(), pages.new()
    sign_up(writer, server, username, password)
    shown = f"Countess {uuid.uuid4().hex[:6]}"
    writer.goto(server.url + "/accounts/profile/")
    writer.get_by_label("Display name").fill(shown)
    writer.get_by_role("button", name="Save").click()
    expect(writer.get_by_text("Display name saved.")).to_be_visible()

    open_room(reader, server, slug)
    open_room(writer, server, slug)
    text = unique("Live under a display name")
    send(writer, text)

    def shows_the_names(page):
        message = page.locator(DELIVERED, has_text=text)
        expect(message.locator("a.author")).to_have_text(shown)
        expect(message.locator("a.author")).to_have_attribute(
            "href", f"/members/{username}/"
        )
        expect(message.locator(".username")).to_have_text(f"@{username}")
        expect(message.locator(".badge.guest")).to_have_count(0)

    # The reader's copy came as a frame and was built by the page's script;
    # after a reload the server renders the same.
    shows_the_names(reader)
    reader.reload()
    shows_the_names(reader)
    # The writer's own message offers its edit controls (they are matched by
    # username, not by the name shown).
    expect(writer.locator(DELIVERED, has_text=text).locator(".edit-own")).to_have_count(
        1
    )
    message = reader.locator(DELIVERED, has_text=text)
    message.locator("a.author").click()
    reader.wait_for_url(f"{server.url}/members/{username}/")
    assert writer.problems == [] and reader.problems == []
