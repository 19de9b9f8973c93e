import json

import pytest


def test_hello_greets_by_name(client):
    response = client.get("/lab/hello/", {"name": "Ada"})
    assert response.status_code == 200
    assert "Welcome Ada!" in response.content.decode()


def test_hello_escapes_the_name(client):
    page = client.get("/lab/hello/", {"name": "<b>Eve</b>"}).content.decode()
    assert "Welcome &lt;b&gt;Eve&lt;/b&gt;!" in page
    assert "<b>Eve</b>" not in page


def test_hello_without_a_name_is_a_400_naming_the_parameter(client):
    response = client.get("/lab/hello/")
    assert response.status_code == 400
    assert "Missing parameter ‘name’" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "x", "y", "result"),
    [
        ("/lab/add/", "300", "20", "320"),
        ("/lab/subtract/", "1000", "1", "999"),
        ("/lab/add/", "0.1", "0.2", "0.3"),
        ("/lab/subtract/", "-2.5", "2.5", "-5"),
        ("/lab/add/", "1e3", "1", "1001"),
    ],
)
def test_arithmetic_on_decimal_numbers(client, path, x, y, result):
    response = client.get(path, {"x": x, "y": y, "format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content)["result"] == result


def test_arithmetic_answers_html_by_default(client):
    response = client.get("/lab/add/", {"x": "300", "y": "20"})
    assert response["Content-Type"].startswith("text/html")
    assert "<strong>320</strong>" in response.content.decode()


def test_arithmetic_answers_json_to_an_accept_header(client):
    response = client.get(
        "/lab/add/", {"x": "2", "y": "3"}, headers={"Accept": "application/json"}
    )
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "operation": "add",
        "x": "2",
        "y": "3",
        "result": "5",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"y": "1"}, "Missing parameter ‘x’"),
        ({"x": "1"}, "Missing parameter ‘y’"),
        ({"x": "ten", "y": "1"}, "Parameter ‘x’ is not a number"),
        ({"x": "1", "y": "NaN"}, "Parameter ‘y’ must be a finite number"),
        ({"x": "inf", "y": "1"}, "Parameter ‘x’ must be a finite number"),
        ({"x": "1" * 51, "y": "1"}, "longer than 50 characters"),
        ({"x": "1e999999", "y": "1"}, "too large or too small"),
    ],
)
def test_arithmetic_rejects_bad_numbers_naming_the_parameter(client, params, message):
    response = client.get("/lab/add/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "ask",
    [{"params": {"format": "json"}}, {"headers": {"Accept": "application/json"}}],
    ids=["format", "accept"],
)
@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"y": "1"}, "x", "Missing parameter ‘x’: give a number, e.g. x=12.5."),
        ({"x": "1", "y": "ten"}, "y", "Parameter ‘y’ is not a number: 'ten'."),
    ],
)
def test_arithmetic_errors_are_json_when_json_was_asked_for(
    client, ask, params, parameter, message
):
    response = client.get(
        "/lab/subtract/",
        {**params, **ask.get("params", {})},
        headers=ask.get("headers", {}),
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "status": 400,
        "code": "invalid",
        "detail": message,
        "errors": {parameter: [message]},
    }


def test_arithmetic_errors_stay_html_for_a_browser(client):
    response = client.get("/lab/add/", {"x": "1"}, headers={"Accept": "text/html"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Missing parameter ‘y’" in response.content.decode()


def test_the_request_page_shows_method_path_version_and_headers(client):
    response = client.get(
        "/lab/request/some/where",
        {"q": "1"},
        headers={"X-Hello": "there", "Authorization": "Token secret-token"},
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "You requested <code>/lab/request/some/where</code> on day" in page
    assert "q=1" in page
    assert "HTTP/1.1" in page
    assert "there" in page
    assert "secret-token" not in page
    assert "(masked)" in page


@pytest.mark.django_db  # a session cookie makes the session middleware look it up
def test_the_request_page_masks_cookies(client):
    client.cookies["sessionid"] = "very-secret-session"
    page = client.get("/lab/request/").content.decode()
    assert "very-secret-session" not in page


def test_the_lab_index_links_every_page(client):
    page = client.get("/lab/").content.decode()
    for path in ("/lab/hello/", "/lab/add/", "/lab/subtract/", "/lab/request/"):
        assert path in page
