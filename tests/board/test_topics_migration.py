"""The migration that makes every existing post a topic of its own."""

from datetime import timedelta

import pytest

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from board.models import title_from_body

BEFORE = [("board", "0006_post_address")]
BODIES = [
    "Bikes for sale\nTwo, both red.",
    "Windows lines\r\nsecond line",
    "x" * 120,
    "y" * 80,
    "One line only",
    "Ünïcødé first — line\n\nand more",
    "  spaced in the middle  \nnext",
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_post_becomes_a_topic_titled_by_its_first_line_losing_nothing():
    apps = migrate(BEFORE)
    Post = apps.get_model("board", "Post")
    start = timezone.now() - timedelta(days=3)
    stored = {}
    for n, body in enumerate(BODIES):
        post = Post.objects.create(
            display_name=f"name{n}",
            body=body.strip() if "spaced" not in body else body,
            created=start + timedelta(minutes=n),
            hidden=body == "One line only",
            client_id=f"k{n}",
        )
        stored[post.pk] = (post.body, post.display_name, post.created, post.hidden)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from board.models import Post as Current

    assert Current.objects.count() == len(BODIES)
    for post in Current.objects.all():
        assert (post.body, post.display_name, post.created, post.hidden) == stored[
            post.pk
        ]
        assert post.topic_id is None
        assert post.title == title_from_body(post.body)
        assert post.last_activity == post.created
        assert post.last_poster == post.display_name
        assert post.reply_count == 0
    titles = set(Current.objects.values_list("title", flat=True))
    assert {"Bikes for sale", "Windows lines", "x" * 79 + "…"} <= titles
    assert "Ünïcødé first — line" in titles
