"""Password reset by e-mail, through the pages a person uses."""

import re

import pytest

from django.core import mail
from django.test import override_settings

from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user(
        "ada", email="ada@example.org", password="correct horse 1"
    )


def ask_for_reset(client, email):
    token = csrf_token(client, "/accounts/password/reset/")
    return client.post(
        "/accounts/password/reset/", {"email": email, "csrfmiddlewaretoken": token}
    )


def set_password(client, link, password):
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    token = client.cookies["csrftoken"].value
    return client.post(
        form_url,
        {
            "new_password1": password,
            "new_password2": password,
            "csrfmiddlewaretoken": token,
        },
    )


def logs_in(client, username, password):
    token = csrf_token(client, "/accounts/login/")
    response = client.post(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
    )
    return response.status_code == 302


def test_the_login_page_links_to_the_reset_page(client):
    page = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/password/reset/"' in page


def test_a_member_resets_a_forgotten_password_with_the_mailed_link(
    client, ada, settings
):
    response = ask_for_reset(client, "ADA@example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert '"ada"' in message.body
    assert "it works once, for 3 hours" in message.body
    link = LINK.search(message.body).group(1)

    response = set_password(client, link, "a brand new passphrase 7")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert "log in with it" in client.get(response["Location"]).content.decode()

    client.logout()
    assert logs_in(client, "ada", "a brand new passphrase 7")
    client.logout()
    assert not logs_in(client, "ada", "correct horse 1")


def test_a_reset_link_works_only_once(client, ada):
    ask_for_reset(client, "ada@example.org")
    link = LINK.search(mail.outbox[0].body).group(1)
    set_password(client, link, "a brand new passphrase 7")

    again = client.get(link, follow=True)

    assert again.status_code == 200
    page = again.content.decode()
    assert "has been used already, or is too old" in page
    assert "new_password1" not in page


def test_a_new_password_must_pass_the_password_rules(client, ada):
    ask_for_reset(client, "ada@example.org")
    link = LINK.search(mail.outbox[0].body).group(1)

    response = set_password(client, link, "12345678")

    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    ada.refresh_from_db()
    assert ada.check_password("correct horse 1")


def test_an_unknown_address_sends_nothing_and_shows_the_same_page(client, ada):
    known = ask_for_reset(client, "ada@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")

    assert (unknown.status_code, unknown["Location"]) == (
        known.status_code,
        known["Location"],
    )
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]


def test_a_malformed_address_is_a_form_error(client):
    response = ask_for_reset(client, "not an address")

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


@override_settings(NETSITE_PASSWORD_RESET_RATE=(2, 3600))
def test_a_flood_of_reset_requests_gets_429_and_sends_nothing_more(client, ada):
    for _ in range(2):
        assert ask_for_reset(client, "ada@example.org").status_code == 302

    response = ask_for_reset(client, "ada@example.org")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "Too many password reset requests: try again in" in page
    assert 'value="ada@example.org"' in page
    assert len(mail.outbox) == 2


@override_settings(NETSITE_PASSWORD_RESET_RATE=(2, 3600))
def test_one_mailbox_is_not_flooded_from_many_addresses(ada):
    from django.test import Client

    for number in range(2):
        browser = Client(enforce_csrf_checks=True, REMOTE_ADDR=f"10.0.0.{number}")
        assert ask_for_reset(browser, "ada@example.org").status_code == 302

    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.9")
    assert ask_for_reset(browser, "Ada@Example.org").status_code == 429
    assert len(mail.outbox) == 2


def test_a_member_without_a_usable_password_gets_no_mail(client, django_user_model):
    user = django_user_model.objects.create_user("bo", email="bo@example.org")
    user.set_unusable_password()
    user.save()

    assert ask_for_reset(client, "bo@example.org").status_code == 302
    assert mail.outbox == []
