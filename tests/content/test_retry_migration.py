"""The migration that adds the retry constraint first resolves stored duplicates."""

import pytest

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("board", "0003_moderated_content_base"),
    ("chat", "0003_moderated_content_base"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_earliest_copy_stays_and_nothing_else_written_is_lost():
    apps = migrate(BEFORE)
    Room = apps.get_model("chat", "Room")
    Message = apps.get_model("chat", "Message")
    Post = apps.get_model("board", "Post")
    now = timezone.now()
    room = Room.objects.create(slug="lobby", title="Lobby", created=now)

    def message(text, name="kim", client_id="k1"):
        return Message.objects.create(
            room=room, display_name=name, client_id=client_id, text=text, created=now
        ).pk

    first = message("hello")
    copy = message("hello")  # the same retry, stored twice
    reused = message("something else")  # another message under the same key
    other_guest = message("hello", name="bo")
    no_key = [message("hello", client_id=None) for _ in range(2)]

    def post(body, client_id="p1"):
        return Post.objects.create(
            display_name="kim", client_id=client_id, body=body, created=now
        ).pk

    first_post, post_copy = post("hi"), post("hi")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from board.models import Post as CurrentPost
    from chat.models import Message as CurrentMessage

    rows = dict(CurrentMessage.objects.values_list("id", "client_id"))
    assert copy not in rows
    assert rows == {
        first: "k1",
        reused: None,  # kept, without the key it shared
        other_guest: "k1",
        no_key[0]: None,
        no_key[1]: None,
    }
    assert list(CurrentPost.objects.values_list("id", flat=True)) == [first_post]
    assert post_copy != first_post
