"""Every error under /api/ is JSON with the same four keys."""

import json
import logging

import pytest
from rest_framework.test import APIClient

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from board import services as board_services

SHAPE = {"status", "code", "detail", "errors"}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE
    assert body["status"] == status
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.mark.django_db
def test_it_rejects_an_empty_post_with_the_forms_message(author, client_for):
    response = client_for(author).post("/api/posts/", {"body": "   "}, format="json")
    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"body": ["Write something before posting."]}


@pytest.mark.django_db
def test_it_rejects_a_missing_body(author, client_for):
    response = client_for(author).post("/api/posts/", {}, format="json")
    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"body": ["Write something before posting."]}


@pytest.mark.django_db
def test_it_rejects_an_over_long_message_and_stores_nothing(author, room, client_for):
    response = client_for(author).post(
        f"/api/rooms/{room.slug}/messages/", {"text": "x" * 2001}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"text": ["Keep messages to 2,000 characters."]}
    assert room.messages.count() == 0


@pytest.mark.django_db
def test_a_body_that_is_not_an_object_is_a_400(author, client_for):
    response = client_for(author).post("/api/posts/", [1, 2], format="json")
    body = assert_error(response, 400, "invalid")
    assert "non_field_errors" in body["errors"]


@pytest.mark.django_db
def test_malformed_json_is_a_400(author, client_for):
    response = client_for(author).post(
        "/api/posts/", '{"body": ', content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "ordering=body",
        "limit=0",
        "limit=201",
        "limit=ten",
        "cursor=not-a-cursor",
        "search=" + "x" * 201,
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(query, anon):
    response = anon.get(f"/api/posts/?{query}")
    body = assert_error(response, 400, "invalid")
    assert query.split("=")[0] in body["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["after=abc", "after=-1", "after=1.5"])
def test_a_bad_after_is_a_400(query, room, anon):
    response = anon.get(f"/api/rooms/{room.slug}/messages/?{query}")
    body = assert_error(response, 400, "invalid")
    assert "after" in body["errors"]


@pytest.mark.django_db
def test_an_anonymous_write_is_a_401_with_www_authenticate(anon):
    response = anon.post("/api/posts/", {"body": "hi"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_wrong_token_is_a_401_even_for_reads():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    response = client.get("/api/posts/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_changing_someone_elses_post_is_a_403(post, other, client_for):
    response = client_for(other).patch(
        f"/api/posts/{post.pk}/", {"body": "mine now"}, format="json"
    )
    assert_error(response, 403, "permission_denied")


@pytest.mark.django_db
def test_a_missing_post_is_a_404(anon):
    assert_error(anon.get("/api/posts/999999/"), 404, "not_found")


@pytest.mark.django_db
def test_a_missing_room_is_a_404_for_its_messages(anon):
    assert_error(anon.get("/api/rooms/nowhere/messages/"), 404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_api_address_is_a_json_404(method, anon):
    response = getattr(anon, method)("/api/no/such/thing/")
    assert_error(response, 404, "not_found")


@pytest.mark.django_db
def test_a_missing_trailing_slash_is_a_404_that_says_so(anon):
    body = assert_error(anon.get("/api/posts"), 404, "not_found")
    assert "/api/posts/" in body["detail"]


@pytest.mark.django_db
def test_a_wrong_method_is_a_405(author, client_for):
    response = client_for(author).delete("/api/posts/")
    assert_error(response, 405, "method_not_allowed")


@pytest.mark.django_db
def test_an_oversized_body_is_a_413_not_an_html_400(author, client_for):
    payload = json.dumps({"body": "x" * (300 * 1024)})
    response = client_for(author).post(
        "/api/posts/", payload, content_type="application/json"
    )
    assert_error(response, 413, "too_large")


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_the_size_limit_follows_the_setting(author, client_for):
    payload = json.dumps({"body": "x" * 1200})
    response = client_for(author).post(
        "/api/posts/", payload, content_type="application/json"
    )
    assert_error(response, 413, "too_large")


@pytest.mark.django_db
def test_plain_text_is_a_415(author, client_for):
    response = client_for(author).post(
        "/api/posts/", "hello", content_type="text/plain"
    )
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.django_db
def test_an_unacceptable_accept_header_is_a_406(anon):
    response = anon.get("/api/posts/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert json.loads(response.content)["code"] == "not_acceptable"


@pytest.mark.django_db
@override_settings(NETSITE_API_ANON_RATE=(1, 10**6))
def test_too_many_requests_is_a_429(anon):
    assert anon.get("/api/posts/").status_code == 200
    assert_error(anon.get("/api/posts/"), 429, "throttled")


@pytest.mark.django_db
def test_a_crash_is_a_json_500(author, client_for, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(board_services, "create_post", crash)
    client = client_for(author)
    client.raise_request_exception = False
    response = client.post("/api/posts/", {"body": "hi"}, format="json")
    body = assert_error(response, 500, "server_error")
    assert "fire" not in body["detail"]


@pytest.mark.django_db
def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def many_fields(count):
    return "&".join(f"f{number}=1" for number in range(count))


def no_error_logged(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_a_thousand_and_one_query_parameters_are_a_400_not_a_crash(anon, caplog):
    response = anon.get(f"/api/posts/?{many_fields(1001)}")
    body = assert_error(response, 400, "too_many_fields")
    assert "1,000" in body["detail"]
    assert no_error_logged(caplog) == []


@pytest.mark.django_db
def test_a_thousand_and_one_form_fields_for_a_token_are_a_400(anon, caplog):
    response = anon.post(
        "/api/token/",
        many_fields(1001),
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 400, "too_many_fields")
    assert no_error_logged(caplog) == []


@pytest.mark.django_db
def test_json_nested_ten_thousand_deep_is_a_parse_error(author, client_for, caplog):
    deep = "[" * 10_000 + "]" * 10_000
    for client, path in [
        (APIClient(), "/api/token/"),
        (client_for(author), "/api/posts/"),
    ]:
        response = client.post(path, deep, content_type="application/json")
        body = assert_error(response, 400, "parse_error")
        assert "nested too deeply" in body["detail"]
    assert no_error_logged(caplog) == []


@pytest.mark.django_db
def test_a_hundred_and_one_files_are_a_400(author, client_for, caplog):
    files = {f"file{n}": SimpleUploadedFile(f"{n}.txt", b"x") for n in range(101)}
    response = client_for(author).post("/api/posts/", files, format="multipart")
    body = assert_error(response, 400, "too_many_files")
    assert "100" in body["detail"]
    assert no_error_logged(caplog) == []
