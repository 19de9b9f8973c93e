"""The moderation log: written by every door, exportable."""

import json
from datetime import timedelta

import pytest

from django.core.management import call_command
from django.utils import timezone

from board.models import Post
from board.services import create_post, hide_posts
from chat.services import create_room, post_message
from content.models import AuditEntry
from tests.api.conftest import token_client
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


def log():
    return list(
        AuditEntry.objects.order_by("id").values_list(
            "actor_name", "action", "via", "target"
        )
    )


def test_the_api_logs_a_moderators_changes_but_not_an_authors_own(user, moderator):
    own = create_post(body="my own words", author=user)[0]
    token_client(user).patch(f"/api/posts/{own.pk}/", {"body": "fixed"}, format="json")
    token_client(user).delete(f"/api/posts/{own.pk}/")
    assert log() == []

    post = create_post(body="spam", author=user)[0]
    mod = token_client(moderator)
    mod.patch(f"/api/posts/{post.pk}/", {"hidden": True}, format="json")
    mod.patch(f"/api/posts/{post.pk}/", {"body": "[removed]"}, format="json")
    mod.delete(f"/api/posts/{post.pk}/")
    assert [row[:3] for row in log()] == [
        ("mia", "hide", "api"),
        ("mia", "edit", "api"),
        ("mia", "delete", "api"),
    ]
    # The target reads as the item did when it was acted on.
    assert log()[0][3] == f"post {post.pk}: ada: spam"


def test_admin_actions_are_logged(client, moderator, user):
    posts = [create_post(body=f"post {n}", author=user)[0] for n in range(2)]
    client.force_login(moderator)
    client.post(
        "/admin/board/post/",
        {
            "action": "hide_selected",
            "_selected_action": [p.pk for p in posts],
            "csrfmiddlewaretoken": csrf_token(client),
        },
    )
    client.post("/admin/board/post/clear/", {"csrfmiddlewaretoken": csrf_token(client)})
    assert [row[:3] for row in log()] == [
        ("mia", "hide", "admin"),
        ("mia", "hide", "admin"),
        ("mia", "clear", "admin"),
    ]
    assert AuditEntry.objects.get(action="clear").target == "the board"


def test_clearing_a_room_and_pruning_are_logged(moderator):
    from chat.services import clear_room

    room = create_room(title="Lobby")
    post_message(room=room, text="one")[0]
    assert clear_room(room=room, by=moderator, via="admin") == 1
    entry = AuditEntry.objects.get()
    assert (entry.target, entry.detail) == ("room lobby", "hid 1 messages")

    hidden = create_post(body="old")[0]
    hide_posts([hidden], by=None, via="command")
    Post.objects.update(hidden_at=timezone.now() - timedelta(days=40))
    call_command("prune", "--hidden-older-than", "30", verbosity=0)
    prune = AuditEntry.objects.get(action="prune")
    assert (prune.actor_name, prune.via, prune.target) == (
        "system",
        "command",
        "1 hidden posts",
    )


def test_an_unknown_door_is_a_programming_error(user):
    post = create_post(body="x", author=user)[0]
    with pytest.raises(ValueError, match="via='web'"):
        hide_posts([post], by=None, via="web")
    post.refresh_from_db()
    assert not post.hidden


def test_export_moderation_writes_the_log(moderator, user, tmp_path):
    post = create_post(body="spam", author=user)[0]
    hide_posts([post], by=moderator, via="admin", reason="spam link")
    target = tmp_path / "log.jsonl"
    call_command("export", "moderation", "-o", str(target), verbosity=0)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == "mia" and row["action"] == "hide"
    assert row["via"] == "admin" and row["reason"] == "spam link"
    assert row["kind"] == "post" and row["object_id"] == str(post.pk)
    assert row["created"].endswith("Z")

    csv_target = tmp_path / "log.csv"
    call_command("export", "moderation", "-o", str(csv_target), verbosity=0)
    header = csv_target.read_text().splitlines()[0]
    assert header == "id,created,actor,action,via,kind,object_id,target,reason,detail"


def test_export_moderation_refuses_post_options():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--include-hidden applies"):
        call_command("export", "moderation", "--include-hidden")
    with pytest.raises(CommandError, match="--room applies to messages"):
        call_command("export", "moderation", "--room", "lobby")


def test_moderation_logs_cannot_be_imported(tmp_path):
    from django.core.management import CommandError

    target = tmp_path / "x.jsonl"
    target.write_text("")
    with pytest.raises(CommandError, match="invalid choice: 'moderation'"):
        call_command("import", "moderation", str(target))
