"""Tokens, sessions with CSRF, and /api/me/."""

import pytest
from rest_framework.test import APIClient

from django.contrib.auth.models import User
from django.core.management import call_command


@pytest.mark.django_db
def test_a_token_from_the_token_endpoint_authenticates(author):
    client = APIClient()
    response = client.post(
        "/api/token/", {"username": "ada", "password": "pw-ada-12345"}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/me/").json()
    assert me == {
        "authenticated": True,
        "username": "ada",
        "display_name": "",
        "email": "",
        "is_moderator": False,
        "moderates": [],
        "auth": "token",
    }
    assert client.post("/api/posts/", {"body": "hi"}).status_code == 201


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(author):
    response = APIClient().post(
        "/api/token/", {"username": "ada", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.django_db
def test_drf_create_token_makes_a_working_token(author, capsys):
    call_command("drf_create_token", "ada")
    key = capsys.readouterr().out.split()[2]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").json()["username"] == "ada"


@pytest.mark.django_db
def test_a_session_write_needs_the_csrf_token(author):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(author)
    refused = client.post("/api/posts/", {"body": "no csrf"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "CSRF" in refused.json()["detail"]

    client.get("/accounts/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/posts/", {"body": "with csrf"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
    assert client.get("/api/me/").json()["auth"] == "session"


@pytest.mark.django_db
def test_me_tells_an_anonymous_caller_so(anon):
    assert anon.get("/api/me/").json() == {
        "authenticated": False,
        "username": None,
        "is_moderator": False,
        "moderates": [],
        "auth": "none",
        "display_name": None,
        "email": None,
    }


@pytest.mark.django_db
def test_me_lists_what_a_moderator_moderates(moderator, client_for):
    me = client_for(moderator).get("/api/me/").json()
    assert me["is_moderator"] is True
    assert me["moderates"] == ["board", "chat"]


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(author, client_for):
    client = client_for(author)
    User.objects.filter(pk=author.pk).update(is_active=False)
    assert client.get("/api/me/").status_code == 401
