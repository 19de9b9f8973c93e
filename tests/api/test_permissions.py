"""
The permission matrix: who may list, read, create, change and delete posts,
rooms and messages, through token authentication.
"""

import pytest

from board import services as board_services
from chat import services as chat_services

RESOURCES = {
    "post": {
        "list": lambda obj: "/api/posts/",
        "detail": lambda obj: f"/api/posts/{obj.pk}/",
        "create": lambda obj: "/api/posts/",
        "payload": {"body": "A new post"},
        "change": {"body": "An edited post"},
    },
    "room": {
        "list": lambda obj: "/api/rooms/",
        "detail": lambda obj: f"/api/rooms/{obj.slug}/",
        "create": lambda obj: "/api/rooms/",
        "payload": {"title": "A new room"},
        "change": {"title": "A renamed room"},
    },
    "message": {
        "list": lambda obj: f"/api/rooms/{obj.room.slug}/messages/",
        "detail": lambda obj: f"/api/messages/{obj.pk}/",
        "create": lambda obj: f"/api/rooms/{obj.room.slug}/messages/",
        "payload": {"text": "A new message"},
        "change": {"text": "An edited message"},
    },
}

# role -> action -> expected status
EXPECTED = {
    "anonymous": {"list": 200, "retrieve": 200, "create": 401, "update": 401,
                  "delete": 401},
    "author": {"list": 200, "retrieve": 200, "create": 201, "update": 200,
               "delete": 204},
    "other": {"list": 200, "retrieve": 200, "create": 201, "update": 403,
              "delete": 403},
    "moderator": {"list": 200, "retrieve": 200, "create": 201, "update": 200,
                  "delete": 204},
}  # fmt: skip

CASES = [
    (resource, role, action, status)
    for resource in RESOURCES
    for role, actions in EXPECTED.items()
    for action, status in actions.items()
]


def make(resource, author):
    room = chat_services.create_room(
        title=chat_services.free_title("Lobby"), created_by=author
    )
    if resource == "post":
        return board_services.create_post(body="Original", author=author)[0]
    if resource == "room":
        return room
    return chat_services.post_message(room=room, text="Original", author=author)[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "role", "action", "expected"), CASES)
def test_the_permission_matrix_holds(
    resource, role, action, expected, author, other, moderator, client_for
):
    spec = RESOURCES[resource]
    obj = make(resource, author)
    user = {"anonymous": None, "author": author, "other": other,
            "moderator": moderator}[role]  # fmt: skip
    client = client_for(user)

    if action == "list":
        response = client.get(spec["list"](obj))
    elif action == "retrieve":
        response = client.get(spec["detail"](obj))
    elif action == "create":
        response = client.post(spec["create"](obj), spec["payload"], format="json")
    elif action == "update":
        response = client.patch(spec["detail"](obj), spec["change"], format="json")
    else:
        response = client.delete(spec["detail"](obj))

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["status"] == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Token"

    # What the answer claims is what the database holds.
    model = type(obj)
    if action == "update":
        obj.refresh_from_db()
        field, value = next(iter(spec["change"].items()))
        assert (getattr(obj, field) == value) is (expected == 200)
    if action == "delete":
        assert model.objects.filter(pk=obj.pk).exists() is (expected != 204)
    if action == "create" and expected == 201:
        field, value = next(iter(spec["payload"].items()))
        created = model.objects.get(**{field: value})
        assert response.json()["url"].endswith(spec["detail"](created))


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["post", "message"])
def test_a_hidden_item_is_not_found_except_for_moderators(
    resource, author, other, moderator, client_for
):
    obj = make(resource, author)
    if resource == "post":
        board_services.hide_posts([obj], by=moderator, via="command")
    else:
        chat_services.hide_messages([obj], by=moderator, via="command")
    url = RESOURCES[resource]["detail"](obj)
    list_url = RESOURCES[resource]["list"](obj)

    for user in (None, author, other):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.patch(url, RESOURCES[resource]["change"]).status_code in (
            401,
            404,
        )
        assert client.get(list_url).json()["results"] == []

    mod = client_for(moderator)
    response = mod.get(url)
    assert response.status_code == 200
    assert response.json()["hidden"] is True
    # Lists stay what everyone sees, moderators included.
    assert mod.get(list_url).json()["results"] == []


@pytest.mark.django_db
def test_a_superuser_moderates_without_the_group(author, client_for):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", password="pw-root-12345")
    post = make("post", author)
    response = client_for(root).delete(f"/api/posts/{post.pk}/")
    assert response.status_code == 204


@pytest.mark.django_db
def test_a_board_moderator_does_not_moderate_chat(author, client_for):
    from django.contrib.auth.models import Permission, User

    board_mod = User.objects.create_user("bm", password="pw-bm-12345")
    board_mod.user_permissions.add(Permission.objects.get(codename="hide_post"))
    message = make("message", author)
    post, _ = board_services.create_post(body="Mine", author=author)

    client = client_for(board_mod)
    assert client.delete(f"/api/messages/{message.pk}/").status_code == 403
    assert client.delete(f"/api/posts/{post.pk}/").status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["post", "message"])
def test_a_moderator_hides_and_shows_an_item_by_changing_hidden(
    resource, author, moderator, client_for
):
    obj = make(resource, author)
    url = RESOURCES[resource]["detail"](obj)
    mod = client_for(moderator)

    hidden = mod.patch(url, {"hidden": True}, format="json")
    assert hidden.status_code == 200
    assert hidden.json()["hidden"] is True
    assert client_for(None).get(url).status_code == 404

    shown = mod.patch(url, {"hidden": False}, format="json")
    assert shown.json()["hidden"] is False
    assert client_for(None).get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["post", "message"])
def test_an_author_cannot_hide_their_own_item(resource, author, client_for):
    obj = make(resource, author)
    url = RESOURCES[resource]["detail"](obj)
    response = client_for(author).patch(url, {"hidden": True}, format="json")
    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.hidden is False


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["post", "message"])
def test_a_new_item_cannot_start_hidden(resource, author, moderator, client_for):
    obj = make(resource, author)
    payload = {**RESOURCES[resource]["payload"], "hidden": True}
    response = client_for(moderator).post(
        RESOURCES[resource]["create"](obj), payload, format="json"
    )
    assert response.status_code == 400
    assert "hidden" in response.json()["errors"]


# Moderation: reports, bans and the moderation log -------------------------------

# role -> (action -> expected status). Anyone reports (guests by address)
# except an author their own item; only moderators see the records, ban and
# lift bans.
MODERATION_EXPECTED = {
    "anonymous": {"report post": 201, "report message": 201, "list reports": 401,
                  "list bans": 401, "ban": 401, "lift ban": 401, "read log": 401},
    "author": {"report post": 400, "report message": 400, "list reports": 403,
               "list bans": 403, "ban": 403, "lift ban": 403, "read log": 403},
    "other": {"report post": 201, "report message": 201, "list reports": 403,
              "list bans": 403, "ban": 403, "lift ban": 403, "read log": 403},
    "moderator": {"report post": 201, "report message": 201, "list reports": 200,
                  "list bans": 200, "ban": 201, "lift ban": 204, "read log": 200},
}  # fmt: skip

MODERATION_CASES = [
    (role, action, status)
    for role, actions in MODERATION_EXPECTED.items()
    for action, status in actions.items()
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "action", "expected"), MODERATION_CASES)
def test_the_moderation_permission_matrix_holds(
    role, action, expected, author, other, moderator, client_for
):
    from content import bans
    from content.models import AuditEntry, Ban, Report

    post = make("post", author)
    message = make("message", author)
    ban = bans.ban(address="10.0.0.1", reason="flood", by=moderator, via="admin")
    user = {"anonymous": None, "author": author, "other": other,
            "moderator": moderator}[role]  # fmt: skip
    client = client_for(user)
    entries = AuditEntry.objects.count()

    if action == "report post":
        response = client.post(
            f"/api/posts/{post.pk}/report/", {"reason": "spam"}, format="json"
        )
    elif action == "report message":
        response = client.post(
            f"/api/messages/{message.pk}/report/", {"reason": "spam"}, format="json"
        )
    elif action == "list reports":
        response = client.get("/api/reports/")
    elif action == "list bans":
        response = client.get("/api/bans/")
    elif action == "ban":
        response = client.post(
            "/api/bans/", {"user": other.username, "reason": "abuse"}, format="json"
        )
    elif action == "lift ban":
        response = client.delete(f"/api/bans/{ban.pk}/")
    else:
        response = client.get("/api/moderation-log/")

    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["status"] == expected

    # What the answer claims is what the database holds.
    if action.startswith("report"):
        assert Report.objects.exists() is (expected == 201)
    if action == "ban":
        assert Ban.objects.active().filter(user=other).exists() is (expected == 201)
        assert (AuditEntry.objects.count() > entries) is (expected == 201)
    if action == "lift ban":
        assert Ban.objects.active().filter(pk=ban.pk).exists() is (expected != 204)
        assert (AuditEntry.objects.count() > entries) is (expected == 204)
    if action == "read log" and expected == 200:
        assert response.json()["results"][0]["action"] == "ban"


@pytest.mark.django_db
def test_the_moderation_records_list_what_happened(
    author, other, moderator, client_for
):
    from content import reports

    post = make("post", author)
    reports.report_item(item=post, reason="spam", reporter=other)
    mod = client_for(moderator)
    assert (
        mod.patch(f"/api/posts/{post.pk}/", {"hidden": True}, format="json").status_code
        == 200
    )

    listed = mod.get("/api/reports/").json()["results"]
    assert [(r["kind"], r["item_id"], r["status"], r["reporter"]) for r in listed] == [
        ("post", post.pk, "hidden", "bob")
    ]
    assert mod.get("/api/reports/?status=open").json()["results"] == []

    log = mod.get("/api/moderation-log/?action=hide").json()["results"]
    assert [(e["actor_name"], e["via"], e["kind"]) for e in log] == [
        ("mo", "api", "post")
    ]
    bad = mod.get("/api/moderation-log/?via=web")
    assert bad.status_code == 400 and "via" in bad.json()["errors"]


@pytest.mark.django_db
def test_a_ban_through_the_api_is_checked_like_any(moderator, client_for):
    mod = client_for(moderator)
    nobody = mod.post("/api/bans/", {"reason": "x"}, format="json")
    assert nobody.status_code == 400
    assert nobody.json()["errors"] == {
        "user": ["Ban either a member or a guest address."]
    }
    bad = mod.post("/api/bans/", {"address": "nope", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "address" in bad.json()["errors"]
    made = mod.post(
        "/api/bans/",
        {"address": "10.0.0.2", "reason": "flood", "expires": "2999-01-01T00:00:00Z"},
        format="json",
    )
    assert made.status_code == 201
    assert made.json()["in_force"] is True
    assert made.json()["created_by"] == "mo"
