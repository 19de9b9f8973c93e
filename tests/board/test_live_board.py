"""The /ws/board/ stream: posts and moderation reach open board pages."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from django.test import Client

from board import services
from board.models import Post
from netsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

GUARD = 10  # seconds: only ever a guard against a hang, never an assertion


async def listen():
    client = WebsocketCommunicator(
        application,
        "/ws/board/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost")],
    )
    connected, _ = await client.connect()
    assert connected
    return client


async def frame(client):
    return json.loads(await client.receive_from(timeout=2))


def post_through_the_form(body):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/board/")
    token = page.cookies["csrftoken"].value
    return browser.post(
        "/board/",
        {"body": body, "display_name": "Ada", "csrfmiddlewaretoken": token},
    )


async def test_a_post_made_through_the_board_form_reaches_a_listener():
    listener = await listen()
    try:
        response = await sync_to_async(post_through_the_form)("Hello <b>board</b>")
        assert response.status_code == 303
        post = await frame(listener)
        stored = await sync_to_async(Post.objects.get)()
        assert post["type"] == "post"
        assert post["id"] == stored.pk
        assert post["author"] == "Ada"
        assert post["body"] == "Hello <b>board</b>"
        assert post["created"].endswith("Z")
        assert f'id="post-{stored.pk}"' in post["html"]
        assert "&lt;b&gt;board&lt;/b&gt;" in post["html"]
    finally:
        await listener.disconnect()


async def test_hidden_posts_and_a_cleared_board_reach_a_listener(
    django_user_model,
):
    moderator = await sync_to_async(django_user_model.objects.create_user)("mod")
    first, _ = await sync_to_async(services.create_post)(body="one")
    second, _ = await sync_to_async(services.create_post)(body="two")
    listener = await listen()
    try:
        await sync_to_async(services.hide_posts)(
            [first, second], by=moderator, via="command"
        )
        deletes = [await frame(listener), await frame(listener)]
        assert sorted(deletes, key=lambda f: f["id"]) == [
            {"type": "delete", "id": first.pk},
            {"type": "delete", "id": second.pk},
        ]
        await sync_to_async(services.clear_board)(by=moderator, via="command")
        assert await frame(listener) == {"type": "clear"}
    finally:
        await listener.disconnect()


async def test_the_board_stream_ignores_what_clients_send():
    listener = await listen()
    await listener.send_to(text_data='{"type": "post", "body": "sneaky"}')
    # The consumer handles its input in order: once it has handled the
    # disconnect and finished, it has handled the frame too.
    await listener.disconnect(timeout=GUARD)

    assert await listener.receive_nothing(timeout=0)
    assert await sync_to_async(Post.objects.count)() == 0


async def test_a_guests_post_reaches_open_pages_marked_as_a_guests(django_user_model):
    client = await listen()
    try:
        await sync_to_async(post_through_the_form)("from a guest")
        received = await frame(client)
        assert received["guest"] is True
        assert 'class="badge guest"' in received["html"]
        ada = await sync_to_async(django_user_model.objects.create_user)("ada")
        await sync_to_async(services.create_post)(body="from ada", author=ada)
        received = await frame(client)
        assert received["guest"] is False
        assert "badge" not in received["html"]
    finally:
        await client.disconnect()


async def listen_to(path):
    client = WebsocketCommunicator(
        application,
        path,
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost")],
    )
    connected, _ = await client.connect()
    assert connected
    return client


def reply_through_the_form(topic_id, body):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/board/t/{topic_id}/")
    token = page.cookies["csrftoken"].value
    return browser.post(
        f"/board/t/{topic_id}/",
        {"body": body, "display_name": "kim", "csrfmiddlewaretoken": token},
    )


async def test_a_reply_reaches_its_topics_page_and_moves_the_topics_line():
    topic, _ = await sync_to_async(services.create_post)(body="Bikes", title="Bikes")
    other, _ = await sync_to_async(services.create_post)(body="Other")
    board = await listen()
    page = await listen_to(f"/ws/board/t/{topic.pk}/")
    elsewhere = await listen_to(f"/ws/board/t/{other.pk}/")
    try:
        response = await sync_to_async(reply_through_the_form)(topic.pk, "Still <b>")
        assert response.status_code == 303
        reply = await sync_to_async(Post.objects.get)(topic=topic)

        on_page = await frame(page)
        assert on_page["type"] == "post"
        assert (on_page["id"], on_page["topic"]) == (reply.pk, topic.pk)
        assert on_page["author"] == "kim"
        assert f'id="post-{reply.pk}"' in on_page["html"]
        assert "Still &lt;b&gt;" in on_page["html"]

        line = await frame(board)
        assert line["type"] == "topic"
        assert line["id"] == topic.pk
        assert (line["replies"], line["last_poster"]) == (1, "kim")
        assert line["last_activity"].endswith("Z")
        assert f'id="topic-{topic.pk}"' in line["html"]
        assert "1 reply</a>" in line["html"]

        assert await elsewhere.receive_nothing(timeout=0.2)
        assert await board.receive_nothing(timeout=0)
    finally:
        for client in (board, page, elsewhere):
            await client.disconnect()


async def test_a_hidden_reply_leaves_its_topics_page(django_user_model):
    moderator = await sync_to_async(django_user_model.objects.create_user)("mod")
    topic, _ = await sync_to_async(services.create_post)(body="Bikes")
    reply, _ = await sync_to_async(services.create_post)(body="r", topic=topic)
    page = await listen_to(f"/ws/board/t/{topic.pk}/")
    try:
        await sync_to_async(services.hide_posts)([reply], by=moderator, via="command")
        assert await frame(page) == {"type": "delete", "id": reply.pk}
    finally:
        await page.disconnect()


async def test_hiding_showing_and_deleting_a_reply_sends_the_board_its_topics_count(
    django_user_model,
):
    moderator = await sync_to_async(django_user_model.objects.create_user)("mod")
    topic, _ = await sync_to_async(services.create_post)(body="Bikes")
    first, _ = await sync_to_async(services.create_post)(
        body="one", topic=topic, display_name="kim"
    )
    second, _ = await sync_to_async(services.create_post)(
        body="two", topic=topic, display_name="lou"
    )
    board = await listen()
    try:
        await sync_to_async(services.hide_posts)([second], by=moderator, via="board")
        line = await frame(board)
        assert line["type"] == "topic"
        assert (line["id"], line["replies"], line["last_poster"]) == (
            topic.pk,
            1,
            "kim",
        )
        assert "1 reply</a>" in line["html"]

        await sync_to_async(services.unhide_posts)([second], by=moderator, via="api")
        line = await frame(board)
        assert (line["type"], line["replies"], line["last_poster"]) == (
            "topic",
            2,
            "lou",
        )

        await sync_to_async(services.delete_posts)([first], by=moderator, via="api")
        line = await frame(board)
        assert (line["type"], line["replies"]) == ("topic", 1)
        assert await board.receive_nothing(timeout=0.2)
    finally:
        await board.disconnect()


async def test_a_hidden_topic_gets_no_line_back_when_its_replies_change(
    django_user_model,
):
    moderator = await sync_to_async(django_user_model.objects.create_user)("mod")
    topic, _ = await sync_to_async(services.create_post)(body="Bikes")
    reply, _ = await sync_to_async(services.create_post)(body="r", topic=topic)
    board = await listen()
    try:
        await sync_to_async(services.hide_posts)([topic], by=moderator, via="board")
        assert await frame(board) == {"type": "delete", "id": topic.pk}
        await sync_to_async(services.hide_posts)([reply], by=moderator, via="board")
        assert await board.receive_nothing(timeout=0.2)
    finally:
        await board.disconnect()


async def test_editing_and_hiding_a_topics_first_post_reaches_its_topics_page(
    django_user_model,
):
    moderator = await sync_to_async(django_user_model.objects.create_user)(
        "mod", is_staff=True
    )
    topic, _ = await sync_to_async(services.create_post)(body="Bikes", title="Bikes")
    page = await listen_to(f"/ws/board/t/{topic.pk}/")
    board = await listen()
    try:
        await sync_to_async(services.edit_post)(
            topic, "Bikes, *both* sold", by=moderator, via="board"
        )
        edited = await frame(page)
        assert (edited["type"], edited["id"]) == ("post", topic.pk)
        assert edited["edited_at"].endswith("Z")
        # As the topic's page shows it: a post there, not a line of the board.
        assert edited["html"].startswith(f'<article class="post" id="post-{topic.pk}"')
        assert "<em>both</em>" in edited["html"]
        on_board = await frame(board)
        assert f'id="topic-{topic.pk}"' in on_board["html"]

        await sync_to_async(services.hide_posts)([topic], by=moderator, via="board")
        assert await frame(page) == {"type": "delete", "id": topic.pk}
        assert await frame(board) == {"type": "delete", "id": topic.pk}

        await sync_to_async(services.unhide_posts)([topic], by=moderator, via="api")
        shown = await frame(page)
        assert (shown["type"], shown["id"]) == ("post", topic.pk)

        await sync_to_async(services.delete_posts)([topic], by=moderator, via="api")
        assert await frame(page) == {"type": "delete", "id": topic.pk}
    finally:
        for client in (page, board):
            await client.disconnect()
