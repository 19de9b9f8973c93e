from datetime import timedelta
from io import StringIO

import pytest

from django.core.management import CommandError, call_command
from django.utils import timezone

from board.models import Post
from board.services import create_post, hide_posts
from chat.models import Message
from chat.services import create_room, hide_messages, post_message


def run(*args):
    out = StringIO()
    call_command("prune", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def age(rows, days):
    """Pretend ``rows`` were hidden ``days`` days ago."""
    rows.update(hidden_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def content(db):
    visible, _ = create_post(body="keep me")
    old, recent = create_post(body="old")[0], create_post(body="recent")[0]
    hide_posts([old, recent], by=None, via="command")
    age(Post.objects.filter(pk=old.pk), 40)
    general, music = create_room(title="General"), create_room(title="Music")
    messages = {
        (room.slug, kind): post_message(room=room, text=f"{room.slug} {kind}")[0]
        for room in (general, music)
        for kind in ("visible", "old")
    }
    hide_messages(
        [m for (_, k), m in messages.items() if k == "old"], by=None, via="command"
    )
    age(Message.objects.filter(hidden=True), 40)
    return {"visible": visible, "old": old, "recent": recent}


def test_it_deletes_content_hidden_before_the_retention(content):
    out = run("--hidden-older-than", "30")

    assert set(Post.objects.values_list("body", flat=True)) == {"keep me", "recent"}
    assert set(Message.objects.values_list("text", flat=True)) == {
        "general visible",
        "music visible",
    }
    assert out == "Deleted 1 post and 2 messages hidden more than 30 days ago.\n"


def test_dry_run_deletes_nothing_and_reports_what_it_would(content):
    out = run("--hidden-older-than", "30", "--dry-run")

    assert Post.objects.count() == 3
    assert Message.objects.count() == 4
    assert out.startswith("Would delete 1 post and 2 messages")


def test_a_room_limits_pruning_to_its_messages(content):
    out = run("--hidden-older-than", "0", "--room", "music")

    assert Post.objects.count() == 3
    assert set(Message.objects.values_list("text", flat=True)) == {
        "general visible",
        "general old",
        "music visible",
    }
    assert "1 message in room music" in out


def test_it_never_deletes_visible_content(content):
    run("--hidden-older-than", "0")

    assert set(Post.objects.values_list("body", flat=True)) == {"keep me"}


def test_it_rejects_an_unknown_room(content):
    with pytest.raises(CommandError, match="There is no chat room 'nope'"):
        run("--room", "nope")
    assert Message.objects.count() == 4


def test_it_rejects_a_negative_retention(content):
    with pytest.raises(CommandError, match="0 or more days"):
        run("--hidden-older-than", "-1")


def test_its_summary_counts_in_the_singular_where_it_should(content):
    out = run("--hidden-older-than", "1", "--room", "general")

    assert out == (
        "Deleted 0 posts and 1 message in room general hidden more than 1 day ago.\n"
    )
