"""
PATCH and DELETE of posts and messages by their authors within the edit
window, by moderators at any time; ``edited_at``; and the revisions endpoint.
"""

from datetime import timedelta

import pytest

from django.utils import timezone

from content import bans
from content.models import AuditEntry

pytestmark = pytest.mark.django_db

ADDRESSES = {"post": ("/api/posts/", "body"), "message": ("/api/messages/", "text")}


@pytest.fixture(params=["post", "message"])
def kind(request):
    return request.param


@pytest.fixture
def item(kind, request):
    return request.getfixturevalue(kind)


def address(kind, item, tail=""):
    return f"{ADDRESSES[kind][0]}{item.pk}/{tail}"


def patch(client, kind, item, text):
    return client.patch(address(kind, item), {ADDRESSES[kind][1]: text}, format="json")


def age(item, seconds):
    type(item).objects.filter(pk=item.pk).update(
        created=timezone.now() - timedelta(seconds=seconds)
    )


def text_of(item):
    model = type(item)
    row = model.objects.filter(pk=item.pk).first()
    return None if row is None else getattr(row, model.TEXT_FIELD)


def test_the_author_edits_within_the_window(kind, item, author, client_for):
    response = patch(client_for(author), kind, item, "Edited")
    assert response.status_code == 200
    body = response.json()
    assert body[ADDRESSES[kind][1]] == "Edited"
    assert body["edited_at"] is not None
    assert text_of(item) == "Edited"
    assert not AuditEntry.objects.exists()


def test_an_unedited_item_says_edited_at_null(kind, item, anon):
    assert anon.get(address(kind, item)).json()["edited_at"] is None


def test_the_author_deletes_within_the_window(kind, item, author, client_for):
    assert client_for(author).delete(address(kind, item)).status_code == 204
    assert text_of(item) is None


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_the_author_gets_a_clear_403_after_the_window(
    kind, item, author, client_for, settings, method
):
    settings.NETSITE_EDIT_WINDOW = 900
    age(item, 901)
    client = client_for(author)
    if method == "patch":
        response = patch(client, kind, item, "Late")
    else:
        response = client.delete(address(kind, item))
    assert response.status_code == 403
    error = response.json()
    assert error["code"] == "too_late"
    assert "15 minutes after writing it" in error["detail"]
    assert text_of(item) not in (None, "Late")


def test_another_member_and_a_guest_may_not(kind, item, other, anon, client_for):
    other_client = client_for(other)
    assert patch(other_client, kind, item, "Mine").status_code == 403
    assert other_client.delete(address(kind, item)).status_code == 403
    assert patch(anon, kind, item, "Mine").status_code == 401
    assert anon.delete(address(kind, item)).status_code == 401
    assert text_of(item) not in (None, "Mine")


def test_a_banned_author_may_not(kind, item, author, moderator, client_for):
    bans.ban(user=author, reason="spam", by=moderator, via="admin")
    response = patch(client_for(author), kind, item, "Sneaky")
    assert response.status_code == 403
    assert response.json()["code"] == "banned"


def test_a_moderator_edits_and_deletes_any_time_and_it_is_logged(
    kind, item, moderator, client_for
):
    age(item, 365 * 24 * 3600)
    client = client_for(moderator)
    assert patch(client, kind, item, "Moderated").status_code == 200
    assert client.delete(address(kind, item)).status_code == 204
    actions = set(AuditEntry.objects.values_list("action", "via"))
    assert actions == {("edit", "api"), ("delete", "api")}


def test_revisions_are_for_moderators_only(
    kind, item, author, other, moderator, anon, client_for
):
    patch(client_for(author), kind, item, "Second")
    patch(client_for(moderator), kind, item, "Third")
    url = address(kind, item, "revisions/")

    response = client_for(moderator).get(url)
    assert response.status_code == 200
    assert [(r["text"], r["edited_by"]) for r in response.json()] == [
        ("Second", "mo"),
        (text_of_original(kind), "ada"),
    ]
    for client, status in ((client_for(author), 403), (client_for(other), 403)):
        refused = client.get(url)
        assert refused.status_code == status
        assert "Only moderators" in refused.json()["detail"]
    assert anon.get(url).status_code == 401


def text_of_original(kind):
    return {"post": "Hello board", "message": "Hello room"}[kind]


def test_the_schema_documents_edited_at_and_revisions(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for base in ("/api/posts/{id}/revisions/", "/api/messages/{id}/revisions/"):
        assert "get" in paths[base]
    for name in ("Post", "Message"):
        assert "edited_at" in schema["components"]["schemas"][name]["properties"]
    assert "Revision" in schema["components"]["schemas"]
