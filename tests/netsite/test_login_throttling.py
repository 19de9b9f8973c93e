"""
Login throttling (django-axes): wrong passwords lock one account for one
address, on the login page, the admin's login and the API's token endpoint.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

LIMIT = 5  # NETSITE_LOGIN_FAILURE_LIMIT's default
PASSWORD = "correct horse 1"


def log_in(client, path, password, username="ada"):
    client.get(path)  # the form's CSRF cookie
    return client.post(
        path,
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "next": "/",
        },
    )


def token(client, password, username="ada"):
    return client.post(
        "/api/token/", {"username": username, "password": password}, format="json"
    )


@pytest.fixture
def staff(user):
    user.is_staff = True
    user.save()
    return user


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_account_even_against_the_right_one(
    client, staff, path
):
    answers = [log_in(client, path, "wrong").status_code for _ in range(LIMIT)]
    assert answers == [200] * (LIMIT - 1) + [429]

    response = log_in(client, path, PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins for this account from your address" in page
    assert "Try again in 15 minutes" in page
    assert "<nav" in page  # the site's own page, not a bare message
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_address(client, user):
    for _ in range(LIMIT):
        log_in(client, "/accounts/login/", "wrong")

    elsewhere = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.7")
    assert log_in(elsewhere, "/accounts/login/", PASSWORD).status_code == 302


def test_the_lockout_is_per_account(client, user, other_user):
    for _ in range(LIMIT):
        log_in(client, "/accounts/login/", "wrong")

    response = log_in(client, "/accounts/login/", "correct horse 2", "brian")
    assert response.status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(client, user):
    for _ in range(LIMIT - 1):
        log_in(client, "/accounts/login/", "wrong")
    assert log_in(client, "/accounts/login/", PASSWORD).status_code == 302
    client.logout()

    for _ in range(LIMIT - 1):
        assert log_in(client, "/accounts/login/", "wrong").status_code == 200


def test_the_api_token_endpoint_counts_and_answers_json(user):
    api = APIClient()
    answers = [token(api, "wrong").status_code for _ in range(LIMIT)]
    assert answers == [400] * (LIMIT - 1) + [429]

    response = token(api, PASSWORD)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert body["status"] == 429
    assert "Try again in 15 minutes" in body["detail"]
    assert response["Retry-After"] == "900"
    assert "token" not in body


def test_failures_on_the_form_and_the_api_add_up(client, user):
    for _ in range(LIMIT - 1):
        log_in(client, "/accounts/login/", "wrong")

    assert token(APIClient(), "wrong").status_code == 429


def test_an_admin_unlocks_an_account_by_deleting_its_access_attempts(
    client, user, django_user_model
):
    for _ in range(LIMIT):
        log_in(client, "/accounts/login/", "wrong")
    attempt = AccessAttempt.objects.get(username="ada")

    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("root", "", "pw"))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "ada" in listing.content.decode()
    deleted = admin.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 302

    assert log_in(client, "/accounts/login/", PASSWORD).status_code == 302


def test_axes_reset_unlocks_every_account(client, user):
    for _ in range(LIMIT):
        log_in(client, "/accounts/login/", "wrong")

    call_command("axes_reset", verbosity=0)

    assert log_in(client, "/accounts/login/", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, user):
    for _ in range(LIMIT):
        log_in(client, "/accounts/login/", "wrong")
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert log_in(client, "/accounts/login/", PASSWORD).status_code == 302
