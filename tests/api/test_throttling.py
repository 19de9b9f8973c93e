"""
Request rates: 429 with Retry-After, counted per address or per account.

The rates use a window of about eleven days, so a test never straddles two
fixed windows.
"""

import pytest

from django.test import override_settings

WINDOW = 10**6


@pytest.mark.django_db
@override_settings(NETSITE_API_ANON_RATE=(3, WINDOW))
def test_an_anonymous_client_is_throttled_with_retry_after(anon):
    for _ in range(3):
        assert anon.get("/api/posts/").status_code == 200
    response = anon.get("/api/posts/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= WINDOW


@pytest.mark.django_db
@override_settings(NETSITE_API_ANON_RATE=(2, WINDOW))
def test_a_forged_x_forwarded_for_does_not_reset_the_limit(anon):
    for _ in range(2):
        assert anon.get("/api/posts/").status_code == 200
    for forged in ("203.0.113.7", "198.51.100.1, 10.0.0.1"):
        response = anon.get("/api/posts/", HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 429
    # The counter is per address: another client is still served.
    assert anon.get("/api/posts/", REMOTE_ADDR="192.0.2.55").status_code == 200


@pytest.mark.django_db
@override_settings(
    NETSITE_API_USER_RATE=(2, WINDOW), NETSITE_API_ANON_RATE=(100, WINDOW)
)
def test_a_user_is_throttled_per_account_not_per_address(author, client_for):
    client = client_for(author)
    assert client.get("/api/me/").status_code == 200
    assert client.get("/api/me/", REMOTE_ADDR="192.0.2.9").status_code == 200
    response = client.get("/api/me/", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429
    assert "Retry-After" in response
    # Anonymous callers from the same address have their own budget.
    assert client_for(None).get("/api/me/").status_code == 200


@pytest.mark.django_db
@override_settings(NETSITE_API_ANON_RATE=(2, WINDOW))
def test_the_token_endpoint_is_throttled_against_password_guessing(author, anon):
    for _ in range(2):
        anon.post("/api/token/", {"username": "ada", "password": "guess"})
    response = anon.post("/api/token/", {"username": "ada", "password": "guess"})
    assert response.status_code == 429
