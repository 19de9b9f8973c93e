"""Changing one's password while signed in."""

import pytest

from django.test import Client

from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def change(client, old, new, confirm=None):
    token = csrf_token(client, "/accounts/password/change/")
    return client.post(
        "/accounts/password/change/",
        {
            "old_password": old,
            "new_password1": new,
            "new_password2": confirm or new,
            "csrfmiddlewaretoken": token,
        },
    )


def test_a_member_changes_their_password_and_stays_logged_in(client, user):
    client.force_login(user)
    elsewhere = Client()
    elsewhere.force_login(user)

    response = change(client, "correct horse 1", "a brand new passphrase 7")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    assert "Password changed" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase 7")
    assert client.get("/").context["user"].is_authenticated
    assert not elsewhere.get("/").context["user"].is_authenticated


def test_a_wrong_old_password_changes_nothing(client, user):
    client.force_login(user)

    response = change(client, "not my password", "a brand new passphrase 7")

    assert response.status_code == 400
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("correct horse 1")


def test_mismatched_new_passwords_change_nothing(client, user):
    client.force_login(user)

    response = change(client, "correct horse 1", "a brand new passphrase 7", "x")

    assert response.status_code == 400
    assert "didn’t match" in response.content.decode()


def test_a_guest_is_sent_to_log_in_first(client):
    response = client.get("/accounts/password/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
