"""Cross-origin API clients: allowed origins only, with credentials."""

import pytest

from django.test import override_settings

ALLOWED = "https://app.example"


def preflight(client, origin):
    return client.options(
        "/api/posts/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_a_preflight_from_an_allowed_origin_is_accepted(anon):
    response = preflight(anon, ALLOWED)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"]


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_a_preflight_from_another_origin_gets_no_allow_header(anon):
    response = preflight(anon, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    simple = anon.get("/api/posts/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in simple


@pytest.mark.django_db
def test_no_origin_is_allowed_by_default(anon):
    assert "Access-Control-Allow-Origin" not in preflight(anon, ALLOWED)


@pytest.mark.django_db
@override_settings(CORS_ALLOWED_ORIGINS=[ALLOWED])
def test_cors_stays_off_outside_the_api(client):
    response = client.get("/board/", HTTP_ORIGIN=ALLOWED)
    assert "Access-Control-Allow-Origin" not in response
