"""Every frame the server sends matches its JSON Schema in docs/protocol/."""

import json
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from jsonschema import Draft202012Validator

from board import services as board_services
from chat import consumers, services
from tests.chat.conftest import connect_to, receive, send

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "protocol"


def check(name, frame):
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(frame)


def test_the_schemas_refuse_what_the_protocol_refuses():
    schema = json.loads((SCHEMAS / "error.schema.json").read_text())
    validator = Draft202012Validator(schema)
    assert not validator.is_valid(
        {"type": "error", "code": "rate_limited", "detail": "x"}
    )
    assert not validator.is_valid({"type": "error", "code": "oops", "detail": "x"})
    client = Draft202012Validator(
        json.loads((SCHEMAS / "client-message.schema.json").read_text())
    )
    assert client.is_valid({"type": "message", "text": "hi", "client_id": "a"})
    assert not client.is_valid({"type": "message", "text": "hi", "client_id": ""})


async def test_chat_frames_match_their_schemas(room, monkeypatch, django_user_model):
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 1)
    for text in ("one", "two"):
        await sync_to_async(services.post_message)(room=room, text=text)
    client = connect_to(f"/ws/chat/{room.slug}/?after=0")
    assert (await client.connect())[0]
    try:
        check("message", await receive(client))
        check("replay_truncated", await receive(client))
        await send(client, {"type": "message", "text": "hi", "client_id": "c"})
        check("ack", await receive(client))
        own = await receive(client)
        check("message", own)
        for bad in ("{", '{"type": "x"}', '{"type": "message", "text": ""}'):
            await client.send_to(text_data=bad)
            check("error", await receive(client))
        moderator = await sync_to_async(django_user_model.objects.create_user)("m")
        await sync_to_async(services.hide_messages)(
            [own["id"]], by=moderator, via="command"
        )
        check("delete", await receive(client))
        await sync_to_async(services.clear_room)(room=room, by=moderator, via="command")
        check("clear", await receive(client))
    finally:
        await client.disconnect()


async def test_rate_limited_errors_match_the_schema(room, settings):
    settings.NETSITE_CHAT_RATE = (1, 60)
    client = connect_to(f"/ws/chat/{room.slug}/")
    assert (await client.connect())[0]
    try:
        await send(client, {"type": "message", "text": "a"})
        await receive(client)
        await receive(client)
        await send(client, {"type": "message", "text": "b", "client_id": "b"})
        check("error", await receive(client))
    finally:
        await client.disconnect()


async def test_board_frames_match_their_schemas(django_user_model):
    listener = connect_to("/ws/board/")
    assert (await listener.connect())[0]
    try:
        post, _ = await sync_to_async(board_services.create_post)(body="hi")
        check("board-post", await receive(listener))
        moderator = await sync_to_async(django_user_model.objects.create_user)("m")
        await sync_to_async(board_services.hide_posts)(
            [post], by=moderator, via="command"
        )
        check("delete", await receive(listener))
        await sync_to_async(board_services.clear_board)(by=moderator, via="command")
        check("clear", await receive(listener))
    finally:
        await listener.disconnect()


async def test_topic_frames_match_their_schemas(django_user_model):
    topic, _ = await sync_to_async(board_services.create_post)(body="a topic")
    board = connect_to("/ws/board/")
    page = connect_to(f"/ws/board/t/{topic.pk}/")
    assert (await board.connect())[0]
    assert (await page.connect())[0]
    try:
        reply, _ = await sync_to_async(board_services.create_post)(
            body="a reply", topic=topic
        )
        check("board-post", await receive(page))
        check("board-topic", await receive(board))
        moderator = await sync_to_async(django_user_model.objects.create_user)("m")
        await sync_to_async(board_services.hide_posts)(
            [reply], by=moderator, via="command"
        )
        check("delete", await receive(page))
    finally:
        await board.disconnect()
        await page.disconnect()


async def test_refusals_of_names_and_characters_match_the_schema(room):
    client = connect_to(f"/ws/chat/{room.slug}/")
    assert (await client.connect())[0]
    try:
        for frame in (
            {"type": "message", "text": "hi", "name": "admin", "client_id": "a"},
            {"type": "message", "text": "nul \x00", "client_id": "b"},
            {"type": "message", "text": "x", "client_id": "c\ud800"},
        ):
            await send(client, frame)
            error = await receive(client)
            assert error["code"] in ("reserved_name", "bad_characters")
            check("error", error)
    finally:
        await client.disconnect()


async def test_report_and_moderation_frames_match_their_schemas(
    room, django_user_model
):
    from content.bans import ban
    from tests.content.conftest import moderators_group, socket_as

    def make_users():
        author = django_user_model.objects.create_user("writer")
        mod = django_user_model.objects.create_user("mod", is_staff=True)
        mod.groups.add(moderators_group())
        return author, mod

    author, mod = await sync_to_async(make_users)()
    message, _ = await sync_to_async(services.post_message)(
        room=room, text="spam", author=author
    )
    watcher = await socket_as(mod, "/ws/moderation/")
    assert (await watcher.connect())[0]
    client = connect_to(f"/ws/chat/{room.slug}/")
    assert (await client.connect())[0]
    try:
        check("reports", await receive(watcher))
        frame = {"type": "report", "id": message.pk, "reason": "spam"}
        check("client-report", frame)
        await send(client, frame)
        check("reported", await receive(client))
        news = await receive(watcher)
        check("reports", news)
        assert "report" in news
        await send(client, {"type": "report", "id": 10**9, "reason": "x"})
        check("error", await receive(client))

        await sync_to_async(ban)(user=author, reason="spam", by=mod, via="admin")
        banned = await socket_as(author, f"/ws/chat/{room.slug}/")
        assert (await banned.connect())[0]
        await send(banned, {"type": "message", "text": "hi", "client_id": "k"})
        error = await receive(banned)
        assert error["code"] == "banned"
        check("error", error)
        await banned.disconnect()
    finally:
        await client.disconnect()
        await watcher.disconnect()


async def test_room_list_and_read_frames_match_their_schemas(room, django_user_model):
    from tests.content.conftest import socket_as

    ada = await sync_to_async(django_user_model.objects.create_user)("ada")
    client = Draft202012Validator(
        json.loads((SCHEMAS / "client-read.schema.json").read_text())
    )
    assert client.is_valid({"type": "read", "id": 3})
    assert not client.is_valid({"type": "read", "id": "3"})
    listing = await socket_as(ada, "/ws/rooms/")
    page = await socket_as(ada, "/ws/chat/lobby/")
    assert (await listing.connect())[0]
    assert (await page.connect())[0]
    try:
        message, _ = await sync_to_async(services.post_message)(room=room, text="hi")
        check("activity", await receive(listing))
        check("message", await receive(page))
        frame = {"type": "read", "id": message.pk}
        client.validate(frame)
        await send(page, frame)
        check("read", await receive(listing))
        await sync_to_async(services.update_room)(
            room=room, topic="Hello", by=None, via="command"
        )
        check("room", await receive(listing))
        check("room", await receive(page))
    finally:
        await page.disconnect()
        await listing.disconnect()


async def test_presence_typing_and_mention_frames_match_their_schemas(
    room, django_user_model
):
    from tests.content.conftest import socket_as

    def make_users():
        return [django_user_model.objects.create_user(n) for n in ("ada", "bob")]

    ada, bob = await sync_to_async(make_users)()
    reader = await socket_as(bob, f"/ws/chat/{room.slug}/?presence=1")
    guest = await socket_as(None, f"/ws/chat/{room.slug}/?presence=1")
    writer = await socket_as(ada, f"/ws/chat/{room.slug}/")
    try:
        for client in (reader, guest, writer):
            assert (await client.connect())[0]
        check("presence", await receive(reader))
        typing = {"type": "typing", "name": "Zoë"}
        check("client-typing", typing)
        await send(guest, typing)
        frame = await receive(reader)
        while frame["type"] == "presence":
            check("presence", frame)
            frame = await receive(reader)
        check("typing", frame)
        await send(writer, {"type": "message", "text": "hi @bob", "client_id": "m"})
        frames = [await receive(reader) for _ in range(2)]
        while {"mention", "message"} - {f["type"] for f in frames}:
            frames.append(await receive(reader))
        for frame in frames:
            check(frame["type"], frame)
    finally:
        for client in (reader, guest, writer):
            await client.disconnect()
    client_schema = Draft202012Validator(
        json.loads((SCHEMAS / "client-typing.schema.json").read_text())
    )
    assert not client_schema.is_valid({"type": "typing", "name": 7})
