"""
Editing and deleting chat messages over the room's socket: the ``edit`` and
``delete`` frames, who may send them, and what every open page receives.
"""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from jsonschema import Draft202012Validator

from django.utils import timezone

from chat import services
from chat.models import Message
from content import bans
from content.models import AuditEntry, Revision
from tests.chat.conftest import receive, send
from tests.content.conftest import moderators_group, socket_as

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "protocol"


def check(name, frame):
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(frame)


@pytest.fixture
def room(db):
    return services.create_room(title="Lobby")


@pytest.fixture
def mod(django_user_model):
    user = django_user_model.objects.create_user("mia", is_staff=True)
    user.groups.add(moderators_group())
    return user


@sync_to_async
def write(room, author, text="helo"):
    return services.post_message(room=room, text=text, author=author)[0]


@sync_to_async
def written_ago(message, seconds):
    Message.objects.filter(pk=message.pk).update(
        created=timezone.now() - timedelta(seconds=seconds)
    )


@sync_to_async
def stored(message):
    return Message.objects.filter(pk=message.pk).values_list("text", flat=True).first()


async def test_the_author_edits_and_every_page_sees_it(room, user):
    message = await write(room, user)
    author = await socket_as(user, f"/ws/chat/{room.slug}/")
    reader = await socket_as(None, f"/ws/chat/{room.slug}/")
    for socket in (author, reader):
        assert (await socket.connect())[0]
    try:
        edit = {"type": "edit", "id": message.pk, "text": "hello"}
        check("client-edit", edit)
        await send(author, edit)
        replies = [await receive(author), await receive(author)]
        edited = next(frame for frame in replies if frame["type"] == "edited")
        check("edited", edited)
        assert edited["id"] == message.pk and edited["edited_at"]
        for frame in (
            next(frame for frame in replies if frame["type"] == "message"),
            await receive(reader),
        ):
            check("message", frame)
            assert (frame["id"], frame["text"]) == (message.pk, "hello")
            assert frame["edited_at"] == edited["edited_at"]
    finally:
        for socket in (author, reader):
            await socket.disconnect()
    assert await stored(message) == "hello"
    texts = await sync_to_async(list)(Revision.objects.values_list("text", flat=True))
    assert texts == ["helo"]


async def test_the_author_deletes_and_every_page_sees_it(room, user):
    message = await write(room, user)
    author = await socket_as(user, f"/ws/chat/{room.slug}/")
    reader = await socket_as(None, f"/ws/chat/{room.slug}/")
    for socket in (author, reader):
        assert (await socket.connect())[0]
    try:
        delete = {"type": "delete", "id": message.pk}
        check("client-delete", delete)
        await send(author, delete)
        replies = [await receive(author), await receive(author)]
        assert {"type": "deleted", "id": message.pk} in replies
        check("deleted", {"type": "deleted", "id": message.pk})
        assert {"type": "delete", "id": message.pk} in replies
        assert await receive(reader) == {"type": "delete", "id": message.pk}
    finally:
        for socket in (author, reader):
            await socket.disconnect()
    assert await stored(message) is None
    # Not moderation: nothing in the log.
    assert not await sync_to_async(AuditEntry.objects.exists)()


async def refused(room, who, frame, *, address="127.0.0.1"):
    """Send ``frame`` as ``who``; return the error frame it gets."""
    socket = await socket_as(who, f"/ws/chat/{room.slug}/", address=address)
    assert (await socket.connect())[0]
    try:
        await send(socket, frame)
        error = await receive(socket)
        assert await socket.receive_nothing()
    finally:
        await socket.disconnect()
    check("error", error)
    assert error["type"] == "error"
    return error


@pytest.mark.parametrize("action", ["edit", "delete"])
async def test_the_author_is_refused_after_the_window(room, user, settings, action):
    settings.NETSITE_EDIT_WINDOW = 60
    message = await write(room, user)
    await written_ago(message, 61)
    frame = {"type": action, "id": message.pk, "text": "late"}
    error = await refused(room, user, frame)
    assert (error["code"], error["id"]) == ("too_late", message.pk)
    assert "1 minute" in error["detail"]
    assert await stored(message) == "helo"


@pytest.mark.parametrize("action", ["edit", "delete"])
async def test_another_member_and_a_guest_are_refused(room, user, other_user, action):
    message = await write(room, user)
    frame = {"type": action, "id": message.pk, "text": "mine"}
    other = await refused(room, other_user, frame)
    assert other["code"] == "forbidden"
    assert "Only its author or a moderator" in other["detail"]
    guest = await refused(room, None, frame)
    assert guest["code"] == "forbidden"
    assert "guests cannot" in guest["detail"]
    assert await stored(message) == "helo"


async def test_a_guest_cannot_edit_even_their_own_message(room):
    message = await write(room, None)
    error = await refused(room, None, {"type": "edit", "id": message.pk, "text": "x"})
    assert error["code"] == "forbidden"


async def test_a_banned_author_is_refused(room, user, mod):
    message = await write(room, user)
    await sync_to_async(bans.ban)(user=user, reason="spam", by=mod, via="admin")
    error = await refused(room, user, {"type": "delete", "id": message.pk})
    assert error["code"] == "banned"
    assert await stored(message) == "helo"


async def test_a_moderator_edits_anyones_at_any_time_and_it_is_logged(room, user, mod):
    message = await write(room, user)
    await written_ago(message, 10 * 24 * 3600)
    socket = await socket_as(mod, f"/ws/chat/{room.slug}/")
    assert (await socket.connect())[0]
    try:
        await send(socket, {"type": "edit", "id": message.pk, "text": "[link removed]"})
        replies = {(await receive(socket))["type"] for _ in range(2)}
        assert replies == {"edited", "message"}
    finally:
        await socket.disconnect()
    assert await stored(message) == "[link removed]"
    entry = await sync_to_async(AuditEntry.objects.get)()
    assert (entry.action, entry.via, entry.actor_name) == ("edit", "chat", "mia")


async def test_bad_edit_frames_get_clear_errors(room, user, other_room):
    message = await write(room, user)
    elsewhere = await write(other_room, user)
    cases = [
        ({"type": "edit", "id": "7", "text": "x"}, "bad_json"),
        ({"type": "edit", "id": message.pk}, "bad_json"),
        ({"type": "edit", "id": message.pk, "text": "  "}, "empty"),
        ({"type": "edit", "id": message.pk, "text": "x" * 2001}, "too_long"),
        ({"type": "delete", "id": elsewhere.pk}, "not_found"),
        ({"type": "delete", "id": 10**9}, "not_found"),
    ]
    for frame, code in cases:
        error = await refused(room, user, frame)
        assert error["code"] == code, (frame, error)
    assert await stored(message) == "helo"


async def test_a_hidden_message_does_not_exist_for_its_author(room, user, mod):
    message = await write(room, user)
    await sync_to_async(services.hide_messages)([message], by=mod, via="admin")
    error = await refused(room, user, {"type": "edit", "id": message.pk, "text": "x"})
    assert error["code"] == "not_found"


async def test_an_edited_board_post_reaches_open_board_pages_marked(user):
    from board import services as board_services
    from content.services import edit_item

    post, _ = await sync_to_async(board_services.create_post)(body="helo", author=user)
    board = await socket_as(None, "/ws/board/")
    assert (await board.connect())[0]
    try:
        await sync_to_async(edit_item)(post, text="hello", by=user, via="board")
        frame = await receive(board)
    finally:
        await board.disconnect()
    check("board-post", frame)
    assert (frame["id"], frame["body"]) == (post.pk, "hello")
    assert frame["edited_at"]
    assert ">(edited)</span>" in frame["html"]


async def test_a_moderators_edit_of_a_hidden_message_stays_hidden(room, user, mod):
    message = await write(room, user)
    await sync_to_async(services.hide_messages)([message], by=mod, via="admin")
    reader = await socket_as(None, f"/ws/chat/{room.slug}/")
    assert (await reader.connect())[0]
    try:
        await sync_to_async(services.moderation.edit)(
            await sync_to_async(Message.objects.get)(pk=message.pk),
            "[removed]",
            by=mod,
            via="admin",
        )
        # Open pages are not shown the hidden message by its edit.
        assert await reader.receive_nothing(timeout=0.5)
    finally:
        await reader.disconnect()
    assert await stored(message) == "[removed]"
