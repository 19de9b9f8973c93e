"""The OpenAPI schema: valid, and true to what the server answers."""

import pytest

from django.core.management import call_command

from board import services as board_services
from chat import services as chat_services
from content import bans, reports
from content.models import AuditEntry


@pytest.mark.django_db
def test_the_schema_validates_without_warnings(tmp_path):
    # Raises SchemaGenerationError on any warning, SystemExit on invalid output.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yml"
    )
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")


def resolve(schema, node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def example_body(schema, operation):
    """The smallest body the schema accepts: every required string as "x"."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    component = resolve(schema, content["application/json"]["schema"])
    return {name: "example" for name in component.get("required", [])}


@pytest.mark.django_db
def test_every_documented_operation_answers_as_documented(
    author, moderator, client_for
):
    post, _ = board_services.create_post(body="Hello", author=author)
    room = chat_services.create_room(title="Lobby", created_by=author)
    message, _ = chat_services.post_message(room=room, text="Hi", author=author)
    # One of each moderation record, for their detail addresses.
    report, _ = reports.report_item(item=message, reason="spam", address="10.0.0.1")
    ban = bans.ban(address="10.0.0.2", reason="flood", by=moderator, via="admin")
    entry = AuditEntry.objects.get()
    ids = {
        "/posts/": post.pk,
        "/topics/": post.pk,  # a post without a topic starts one
        "/messages/": message.pk,
        "/reports/": report.pk,
        "/bans/": ban.pk,
        "/moderation-log/": entry.pk,
    }
    client = client_for(moderator)
    schema = client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")

    # DELETE last, so that the other operations still find their items.
    order = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}
    operations = sorted(
        (
            (order[method], path, method, operation)
            for path, item in schema["paths"].items()
            for method, operation in item.items()
            if method in order
        ),
        key=lambda op: (op[0], op[1].count("{"), op[1]),
    )
    assert len(operations) >= 15
    for _, path, method, operation in operations:
        item_id = next((pk for prefix, pk in ids.items() if prefix in path), None)
        url = path.replace("{id}", str(item_id)).replace("{slug}", room.slug)
        url = url.replace("{username}", author.username)
        body = example_body(schema, operation)
        if path == "/api/token/":
            body = {"username": "mo", "password": "pw-mo-12345"}
        if path == "/api/bans/":  # a user or an address: no schema says "one of"
            body = {"address": "10.0.0.3", "reason": "example"}
        if path == "/api/rooms/{slug}/" and "title" in (body or {}):
            # Titles are unique: the create above took the example's.
            body = {**body, "title": f"Renamed by {method}"}
        response = getattr(client, method)(url, body, format="json")
        documented = operation["responses"]
        # A valid request by a moderator gets the success status documented.
        successes = [code for code in documented if code.startswith("2")]
        if "201" in successes:  # a create: 200 answers a repeated Idempotency-Key
            successes = ["201"]
        assert [str(response.status_code)] == successes, (method, url, response)
        if response.status_code == 204:
            continue
        media = documented[str(response.status_code)].get("content", {})
        if "application/json" in media:
            shape = resolve(schema, media["application/json"]["schema"])
            data = response.json()
            missing = set(shape.get("required", [])) - set(data)
            assert not missing, (method, url, missing)


@pytest.mark.django_db
def test_documented_limits_are_the_real_ones(anon):
    schema = anon.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert components["PostRequest"]["properties"]["body"]["maxLength"] == 4000
    assert components["PostRequest"]["required"] == ["body"]
    assert components["MessageRequest"]["properties"]["text"]["maxLength"] == 2000
    assert components["RoomRequest"]["properties"]["title"]["maxLength"] == 100
    parameters = {
        p["name"]: p["schema"]
        for p in schema["paths"]["/api/rooms/{slug}/messages/"]["get"]["parameters"]
    }
    assert parameters["after"]["minimum"] == 0
    assert parameters["search"]["maxLength"] == 200
    assert parameters["limit"]["maximum"] == 200
    assert set(schema["paths"]["/api/posts/"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    errors = schema["paths"]["/api/posts/"]["post"]["responses"]
    for status in ("400", "401", "403", "413", "415", "429"):
        assert errors[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_posts_and_messages_document_their_html_as_read_only(anon):
    components = anon.get("/api/schema/?format=json").json()["components"]["schemas"]
    for name in ("Post", "Message"):
        html = components[name]["properties"]["html"]
        assert (html["type"], html["readOnly"]) == ("string", True)
        assert "Markdown" in html["description"]
        assert "html" not in components[f"{name}Request"]["properties"]


@pytest.mark.django_db
def test_the_docs_page_uses_only_local_files(anon):
    page = anon.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style>" not in html
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    script = anon.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def swagger_example(schema, node):
    """The example Swagger UI fills in: every property, with its placeholder."""
    node = resolve(schema, node)
    if "properties" in node:
        return {
            name: swagger_example(schema, prop)
            for name, prop in node["properties"].items()
            if not prop.get("readOnly")
        }
    if "allOf" in node:
        return swagger_example(schema, node["allOf"][0])
    placeholders = {"string": "string", "boolean": True, "integer": 0}
    return placeholders[node.get("type", "string")]


NOT_CREATES = (
    "/api/token/",
    "/api/rooms/{slug}/read/",
    "/api/members/{username}/clear-display-name/",
)


@pytest.mark.django_db
def test_swagger_examples_of_creates_work_as_they_are(
    author, other, moderator, client_for, room
):
    client = client_for(author)
    schema = client.get("/api/schema/?format=json").json()
    creates = {
        path: item["post"]
        for path, item in schema["paths"].items()
        # Marking a room read and clearing a display name are POSTs that
        # create nothing.
        if "post" in item and path not in NOT_CREATES
    }
    assert set(creates) == {
        "/api/posts/",
        "/api/topics/",
        "/api/topics/{id}/replies/",
        "/api/rooms/",
        "/api/rooms/{slug}/messages/",
        "/api/posts/{id}/report/",
        "/api/messages/{id}/report/",
        "/api/bans/",
    }
    # Someone else's items to report, and a topic to reply to.
    topic = board_services.create_post(body="Spam", author=other)[0].pk
    ids = {
        "/posts/": topic,
        "/topics/": topic,
        "/messages/": chat_services.post_message(room=room, text="x", author=other)[
            0
        ].pk,
    }

    for path, operation in creates.items():
        content = operation["requestBody"]["content"]["application/json"]
        if "examples" in content:
            # Swagger UI starts from the first documented example.
            body = next(iter(content["examples"].values()))["value"]
        else:
            body = swagger_example(schema, content["schema"])
        assert "hidden" not in body, path  # moderators hide items once they exist
        url = path.replace("{slug}", room.slug)
        if "{id}" in path:
            prefix = next(prefix for prefix in ids if prefix in path)
            url = url.replace("{id}", str(ids[prefix]))
        caller = client_for(moderator) if path == "/api/bans/" else client
        response = caller.post(url, body, format="json")
        assert response.status_code == 201, (path, body, response.json())
