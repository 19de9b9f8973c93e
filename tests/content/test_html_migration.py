"""The migrations that add ``html`` render every stored post and message."""

import pytest

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from content.markup import render

BEFORE = [("board", "0010_post_html"), ("chat", "0010_message_html")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_stored_row_is_rendered_over_several_batches():
    apps = migrate(BEFORE)
    Room = apps.get_model("chat", "Room")
    Message = apps.get_model("chat", "Message")
    Post = apps.get_model("board", "Post")
    now = timezone.now()
    # More posts than one batch (content.bulk.render_stored reads 2,000 at a
    # time), each text different, some with markup of every kind.
    bodies = [f"post **{n}** see https://example.org/{n}" for n in range(2050)]
    bodies[7] = "<script>alert(1)</script> `code` > not a quote"
    bodies[2049] = "> quoted\n\n- @ada\n- ~~gone~~"
    Post.objects.bulk_create(
        Post(display_name="kim", body=body, created=now) for body in bodies
    )
    room = Room.objects.create(slug="lobby", title="Lobby", created=now)
    texts = ["*one*\ntwo", "```\n<b>\n```"]
    Message.objects.bulk_create(
        Message(room=room, display_name="kim", text=text, created=now) for text in texts
    )
    assert set(Post.objects.values_list("html", flat=True)) == {""}

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from board.models import Post as CurrentPost
    from chat.models import Message as CurrentMessage

    stored = list(CurrentPost.objects.order_by("id").values_list("body", "html"))
    assert [body for body, _ in stored] == bodies  # the source is untouched
    assert all(html == render(body) for body, html in stored)
    assert stored[7][1] == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; <code>code</code> "
        "&gt; not a quote</p>"
    )
    messages = list(CurrentMessage.objects.order_by("id").values_list("text", "html"))
    assert messages == [
        ("*one*\ntwo", "<p><em>one</em><br>\ntwo</p>"),
        ("```\n<b>\n```", "<pre><code>&lt;b&gt;\n</code></pre>"),
    ]
