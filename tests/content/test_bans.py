"""Bans: refused at every door, sockets closed, across processes in the database."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from board.models import Post
from board.services import create_post
from chat.models import Room
from chat.services import create_room, post_message
from content import bans
from content.models import AuditEntry, Ban
from tests.api.conftest import token_client
from tests.chat.conftest import receive, send
from tests.conftest import csrf_token
from tests.content.conftest import socket_as

pytestmark = pytest.mark.django_db


def ban_user(user, by, **kwargs):
    return bans.ban(user=user, reason="Spamming links", by=by, via="admin", **kwargs)


def test_a_banned_member_is_refused_by_the_board_form(client, user, moderator):
    ban_user(user, moderator)
    client.force_login(user)
    response = client.post(
        "/board/", {"body": "More links", "csrfmiddlewaretoken": csrf_token(client)}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "You are banned from posting until further notice" in page
    assert "Spamming links" in page
    assert "More links" in page  # the text is kept
    assert not Post.objects.exists()


def test_a_banned_member_is_refused_by_the_chat_forms(client, user, moderator):
    room = create_room(title="Lobby")
    ban_user(user, moderator)
    client.force_login(user)
    token = csrf_token(client, room.get_absolute_url())
    sent = client.post(
        room.get_absolute_url(), {"text": "hi", "csrfmiddlewaretoken": token}
    )
    assert sent.status_code == 403 and "You are banned" in sent.content.decode()
    made = client.post("/chat/", {"title": "Mine", "csrfmiddlewaretoken": token})
    assert made.status_code == 403 and "You are banned" in made.content.decode()
    assert Room.objects.count() == 1


def test_a_banned_member_gets_403_banned_from_every_api_write(user, moderator):
    room = create_room(title="Lobby")
    ban_user(user, moderator, until=timezone.now() + timedelta(days=2))
    client = token_client(user)
    for url, payload in [
        ("/api/posts/", {"body": "x"}),
        (f"/api/rooms/{room.slug}/messages/", {"text": "x"}),
        ("/api/rooms/", {"title": "x"}),
    ]:
        response = client.post(url, payload, format="json")
        assert response.status_code == 403, url
        body = response.json()
        assert body["code"] == "banned"
        assert body["detail"].startswith("You are banned from posting until 20")
    assert not Post.objects.exists()


def test_the_post_command_refuses_a_banned_member(user, moderator):
    ban_user(user, moderator)
    with pytest.raises(CommandError, match="You are banned"):
        call_command("post", "hello", "--as", user.username)


def test_a_guest_address_ban_refuses_guests_there_only(client, moderator):
    bans.ban(address="127.0.0.1", reason="flood", by=moderator, via="admin")
    response = client.post(
        "/board/", {"body": "hi", "csrfmiddlewaretoken": csrf_token(client)}
    )
    assert response.status_code == 403
    # Another address is not banned (the test client posts from 127.0.0.1).
    create_post(body="from elsewhere", address="10.1.1.1")[0]
    assert Post.objects.count() == 1


def test_a_guest_post_keeps_its_address_a_members_does_not(client, user):
    client.post("/board/", {"body": "hi", "csrfmiddlewaretoken": csrf_token(client)})
    assert Post.objects.get().address == "127.0.0.1"
    client.force_login(user)
    client.post("/board/", {"body": "me", "csrfmiddlewaretoken": csrf_token(client)})
    assert Post.objects.get(author=user).address == ""


def test_a_ban_ends_when_it_expires_or_is_lifted(user, moderator):
    ban = ban_user(user, moderator, until=timezone.now() + timedelta(hours=1))
    with pytest.raises(bans.Banned):
        create_post(body="x", author=user)[0]
    Ban.objects.filter(pk=ban.pk).update(expires=timezone.now() - timedelta(1))
    create_post(body="after expiry", author=user)[0]

    ban = ban_user(user, moderator)
    assert bans.lift_ban(ban=ban, by=moderator, via="admin") is True
    assert bans.lift_ban(ban=ban, by=moderator, via="admin") is False
    create_post(body="after lifting", author=user)[0]
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "ban",
        "ban",
        "lift",
    ]


def test_a_new_ban_replaces_the_one_in_force(user, moderator):
    first = ban_user(user, moderator)
    second = ban_user(user, moderator, until=timezone.now() + timedelta(days=1))
    first.refresh_from_db()
    assert first.lifted_at is not None and first.lifted_by == moderator
    assert list(Ban.objects.active()) == [second]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "user"),
        ({"address": "not-an-ip"}, "address"),
        ({"address": "10.0.0.1", "reason": " "}, "reason"),
        ({"address": "10.0.0.1", "until": timezone.now() - timedelta(1)}, "expires"),
    ],
)
def test_a_bad_ban_is_refused_with_the_field_named(moderator, kwargs, field):
    kwargs = {"reason": "x", **kwargs}
    with pytest.raises(ValidationError) as caught:
        bans.ban(by=moderator, via="admin", **kwargs)
    assert field in caught.value.error_dict
    assert not Ban.objects.exists()


def test_nobody_bans_themselves_or_a_superuser(moderator, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    for target in (moderator, root):
        with pytest.raises(ValidationError):
            ban_user(target, moderator)


def test_the_database_refuses_a_ban_of_nobody_or_of_both():
    from django.db import IntegrityError, transaction

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ban.objects.create(reason="x", created=now)


def test_the_ban_command_bans_and_lifts(user, capsys):
    call_command("ban", user.username, "--reason", "spam", "--days", "3")
    ban = Ban.objects.get()
    assert ban.user == user and ban.expires > timezone.now() + timedelta(days=2)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor_name) == ("ban", "command", "system")
    call_command("ban", user.username, "--lift")
    assert not Ban.objects.active().exists()
    with pytest.raises(CommandError, match="No ban is in force"):
        call_command("ban", user.username, "--lift")
    with pytest.raises(CommandError, match="Say why"):
        call_command("ban", user.username)
    with pytest.raises(CommandError, match="not an IPv4"):
        call_command("ban", "--address", "nowhere", "--reason", "x")


# Sockets ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_banning_a_member_closes_their_open_sockets(user, moderator):
    room = await sync_to_async(create_room)(title="Lobby")
    chat = await socket_as(user, f"/ws/chat/{room.slug}/")
    board = await socket_as(user, "/ws/board/")
    bystander = await socket_as(None, f"/ws/chat/{room.slug}/")
    for socket in (chat, board, bystander):
        assert (await socket.connect())[0]
    try:
        await sync_to_async(ban_user)(user, moderator)
        for socket in (chat, board):
            closed = await socket.receive_output(timeout=2)
            assert closed == {"type": "websocket.close", "code": 4403}
        assert await bystander.receive_nothing()
    finally:
        for socket in (chat, board, bystander):
            await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_banned_member_gets_an_error_frame_in_chat(user, moderator):
    room = await sync_to_async(create_room)(title="Lobby")
    await sync_to_async(ban_user)(user, moderator)
    chat = await socket_as(user, f"/ws/chat/{room.slug}/")
    assert (await chat.connect())[0]
    try:
        await send(chat, {"type": "message", "text": "hi", "client_id": "c1"})
        error = await receive(chat)
        assert error["type"] == "error" and error["code"] == "banned"
        assert error["client_id"] == "c1"
        assert "Spamming links" in error["detail"]
    finally:
        await chat.disconnect()
    assert not await sync_to_async(room.messages.exists)()


@pytest.mark.django_db(transaction=True)
async def test_banning_a_guest_address_closes_guest_sockets_from_it(moderator):
    room = await sync_to_async(create_room)(title="Lobby")
    guest = await socket_as(None, f"/ws/chat/{room.slug}/", address="10.0.0.66")
    neighbour = await socket_as(None, f"/ws/chat/{room.slug}/", address="10.0.0.7")
    for socket in (guest, neighbour):
        assert (await socket.connect())[0]
    try:
        await sync_to_async(bans.ban)(
            address="10.0.0.66", reason="flood", by=moderator, via="admin"
        )
        closed = await guest.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4403}
        assert await neighbour.receive_nothing()
    finally:
        for socket in (guest, neighbour):
            await socket.disconnect()
    with pytest.raises(bans.Banned):
        await sync_to_async(post_message)(room=room, text="x", address="10.0.0.66")


def test_the_ban_in_force_is_the_one_the_queryset_names(user, moderator):
    """``active_ban``'s own query agrees with ``Ban.objects.active()``."""
    now = timezone.now()
    assert bans.active_ban(user=user) is None
    for expires, lifted_at in [
        (now - timedelta(seconds=1), None),  # over
        (None, now),  # lifted
        (now + timedelta(hours=1), now),  # lifted before its end
    ]:
        Ban.objects.create(
            user=user, reason="r", created=now, expires=expires, lifted_at=lifted_at
        )
        assert not Ban.objects.active().filter(user=user).exists()
        assert bans.active_ban(user=user) is None
    older = Ban.objects.create(user=user, reason="r", created=now - timedelta(1))
    newer = Ban.objects.create(
        user=user, reason="r", created=now, expires=now + timedelta(minutes=1)
    )
    assert list(Ban.objects.active().filter(user=user)) == [newer, older]
    assert bans.active_ban(user=user) == newer
    Ban.objects.create(address="10.0.0.9", reason="r", created=now)
    assert bans.active_ban(address="10.0.0.9").address == "10.0.0.9"
    assert bans.active_ban(address="10.0.0.8") is None
    assert bans.active_ban(user=user, address="10.0.0.9") == newer
