"""The migration that makes room titles unique renames duplicates, losing nothing."""

import pytest

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("chat", "0011_render_message_html")]
AFTER = [("chat", "0012_rooms_topic_unique_titles_activity_unread")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_rooms_that_shared_a_title_are_numbered_and_keep_everything():
    apps = migrate(BEFORE)
    Room = apps.get_model("chat", "Room")
    Message = apps.get_model("chat", "Message")
    now = timezone.now()
    titles = ["Lobby", "lobby", "LOBBY", "Music", "Lobby (2)", "Lоbby"]  # Cyrillic о
    rooms = [
        Room.objects.create(slug=f"room-{i}", title=title, created=now)
        for i, title in enumerate(titles)
    ]
    said = Message.objects.create(
        room=rooms[1], display_name="kim", text="hello", created=now
    )

    migrate(AFTER)

    from chat.models import Message as CurrentMessage
    from chat.models import Room as CurrentRoom

    after = dict(CurrentRoom.objects.values_list("slug", "title"))
    assert after == {
        "room-0": "Lobby",  # the oldest keeps its title
        "room-1": "lobby (2)",
        "room-2": "LOBBY (3)",
        "room-3": "Music",
        "room-4": "Lobby (2) (2)",  # "Lobby (2)" was taken by then
        "room-5": "Lоbby (4)",
    }
    assert (
        len({key for key in CurrentRoom.objects.values_list("title_key", flat=True)})
        == 6
    )
    moved = CurrentMessage.objects.get(pk=said.pk)
    assert (moved.room.slug, moved.text) == ("room-1", "hello")
    assert moved.room.last_message_id == said.pk
    assert CurrentRoom.objects.get(slug="room-0").last_active == now
