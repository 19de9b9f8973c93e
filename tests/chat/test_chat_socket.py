"""The chat protocol through WebsocketCommunicator on the real application."""

import json

import pytest
from asgiref.sync import sync_to_async

from django.test import Client

from chat import services
from chat.models import Message, Room
from tests.chat.conftest import (
    ORIGIN,
    connect_to,
    frames_before,
    post_sentinel,
    receive,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def open_room(room, query=""):
    communicator = connect_to(f"/ws/chat/{room.slug}/{query}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_a_message_reaches_every_member_and_not_other_rooms(room, other_room):
    alice, bob = await open_room(room), await open_room(room)
    elsewhere = await open_room(other_room)
    try:
        await send(alice, {"type": "message", "text": "hello", "client_id": "c1"})
        ack = await receive(alice)
        assert ack["type"] == "ack" and ack["client_id"] == "c1"
        own = await receive(alice)
        seen = await receive(bob)
        assert own == seen
        assert seen["type"] == "message"
        assert seen["id"] == ack["id"]
        assert seen["text"] == "hello"
        assert seen["room"] == room.slug
        assert seen["client_id"] == "c1"
        assert seen["created"].endswith("Z")
        # Had the message reached the other room, it would come first.
        sentinel = await post_sentinel(other_room)
        assert await frames_before(elsewhere, sentinel) == []
    finally:
        for c in (alice, bob, elsewhere):
            await c.disconnect()


async def test_the_ack_goes_only_to_the_sender_after_the_message_is_stored(room):
    alice, bob = await open_room(room), await open_room(room)
    try:
        await send(alice, {"type": "message", "text": "stored?", "client_id": "x"})
        ack = await receive(alice)
        assert ack["type"] == "ack"
        stored = await sync_to_async(Message.objects.get)(pk=ack["id"])
        assert stored.text == "stored?"
        assert ack["created"] == stored.created.isoformat().replace("+00:00", "Z")
        frame = await receive(bob)
        assert frame["type"] == "message"
        # No ack, nor a second copy, is queued for bob before the sentinel.
        sentinel = await post_sentinel(room)
        assert await frames_before(bob, sentinel) == []
    finally:
        await alice.disconnect()
        await bob.disconnect()


async def test_a_guest_chats_under_the_name_they_give(room):
    guest = await open_room(room)
    try:
        await send(guest, {"type": "message", "text": "hi", "name": "Zoë"})
        await receive(guest)  # ack
        frame = await receive(guest)
        assert frame["author"] == "Zoë"
        assert frame["client_id"] is None
    finally:
        await guest.disconnect()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ("[" * 50000, "bad_json"),
        ('{"type": "message", "text": 5}', "bad_json"),
        ('{"type": "message", "text": "x", "client_id": ""}', "bad_json"),
        ('{"type": "shout", "text": "x"}', "bad_type"),
        ('{"text": "x"}', "bad_type"),
        ('{"type": "message", "text": "   "}', "empty"),
        (json.dumps({"type": "message", "text": "x" * 2001}), "too_long"),
    ],
)
async def test_bad_input_gets_an_error_and_the_connection_stays_open(
    room, payload, code
):
    client = await open_room(room)
    try:
        await client.send_to(text_data=payload)
        error = await receive(client)
        assert error["type"] == "error"
        assert error["code"] == code
        assert error["detail"]
        await send(client, {"type": "message", "text": "still here"})
        assert (await receive(client))["type"] == "ack"
    finally:
        await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 1


async def test_a_binary_frame_is_a_bad_type(room):
    client = await open_room(room)
    try:
        await client.send_to(bytes_data=b'{"type": "message", "text": "x"}')
        error = await receive(client)
        assert (error["type"], error["code"]) == ("error", "bad_type")
    finally:
        await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 0


async def test_guests_are_refused_when_anonymous_posting_is_off(room, settings):
    settings.NETSITE_ANONYMOUS_POSTING = False
    client = await open_room(room)
    try:
        await send(client, {"type": "message", "text": "let me in", "client_id": "g"})
        error = await receive(client)
        assert (error["code"], error["client_id"]) == ("forbidden", "g")
    finally:
        await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 0


async def test_flooding_gets_rate_limited_then_closed_with_4429(room, settings):
    settings.NETSITE_CHAT_RATE = (3, 20)
    client = await open_room(room)
    try:
        for n in range(3):
            await send(client, {"type": "message", "text": f"m{n}"})
            assert (await receive(client))["type"] == "ack"
            assert (await receive(client))["type"] == "message"
        await send(client, {"type": "message", "text": "too fast"})
        error = await receive(client)
        assert error["code"] == "rate_limited"
        assert 1 <= error["retry_after"] <= 20
        for _ in range(2):
            await send(client, {"type": "message", "text": "still too fast"})
            assert (await receive(client))["code"] == "rate_limited"
        await send(client, {"type": "message", "text": "flood"})
        output = await client.receive_output(timeout=2)
        assert output == {"type": "websocket.close", "code": 4429}
    finally:
        await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 3


async def test_a_retried_client_id_is_stored_once_and_acked_with_the_original(room):
    client = await open_room(room)
    try:
        await send(client, {"type": "message", "text": "once", "client_id": "r1"})
        first = await receive(client)
        await receive(client)  # the broadcast
        await send(client, {"type": "message", "text": "once", "client_id": "r1"})
        second = await receive(client)
        assert second == first
        # The retry was not broadcast again: the sentinel comes next.
        sentinel = await post_sentinel(room)
        assert await frames_before(client, sentinel) == []
    finally:
        await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 2  # and the sentinel


async def test_an_unknown_room_is_refused_before_the_handshake(db):
    client = connect_to("/ws/chat/no-such-room/")
    connected, _ = await client.connect()
    assert not connected
    await client.disconnect()


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "", "9" * 30])
async def test_a_bad_after_value_is_refused_before_the_handshake(room, after):
    client = connect_to(f"/ws/chat/{room.slug}/?after={after}")
    connected, _ = await client.connect()
    assert connected is (after == "")
    await client.disconnect()


async def test_a_unicode_room_works(db):
    room = await sync_to_async(services.create_room)(title="Café ☕ 東京")
    client = await open_room(room)
    try:
        await send(client, {"type": "message", "text": "ok"})
        assert (await receive(client))["type"] == "ack"
    finally:
        await client.disconnect()


async def test_a_foreign_origin_is_refused(room):
    client = connect_to(
        f"/ws/chat/{room.slug}/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await client.connect()
    assert not connected
    await client.disconnect()


async def test_a_missing_origin_is_allowed(room):
    client = connect_to(f"/ws/chat/{room.slug}/", headers=[])
    connected, _ = await client.connect()
    assert connected
    await client.disconnect()


async def test_hiding_a_message_sends_a_delete_frame(room, django_user_model):
    moderator = await sync_to_async(django_user_model.objects.create_user)("mod")
    message, _ = await sync_to_async(services.post_message)(room=room, text="rude")
    client = await open_room(room)
    try:
        await sync_to_async(services.hide_messages)([message], by=moderator)
        assert await receive(client) == {"type": "delete", "id": message.pk}
        await sync_to_async(services.clear_room)(room=room, by=moderator)
        assert await receive(client) == {"type": "clear"}
    finally:
        await client.disconnect()


async def test_messages_from_other_doors_reach_the_room(room):
    client = await open_room(room)
    try:
        message, _ = await sync_to_async(services.post_message)(
            room=room, text="from the form", display_name="web"
        )
        frame = await receive(client)
        assert (frame["id"], frame["author"]) == (message.pk, "web")
    finally:
        await client.disconnect()


async def test_an_overflowed_member_is_closed_with_4409(room):
    client = await open_room(room)
    try:
        from channels.layers import get_channel_layer

        await get_channel_layer().group_send(
            room.group_name, {"type": "layer.overflow"}
        )
        output = await client.receive_output(timeout=2)
        assert output == {"type": "websocket.close", "code": 4409}
    finally:
        await client.disconnect()


async def test_a_signed_in_user_chats_under_their_username_when_guests_may_not(
    room, settings, django_user_model
):
    settings.NETSITE_ANONYMOUS_POSTING = False
    user = await sync_to_async(django_user_model.objects.create_user)("ada")
    browser = Client()
    await sync_to_async(browser.force_login)(user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    client = connect_to(
        f"/ws/chat/{room.slug}/",
        headers=[*ORIGIN, (b"cookie", cookie)],
    )
    assert (await client.connect())[0]
    try:
        await send(client, {"type": "message", "text": "hi", "name": "not me"})
        assert (await receive(client))["type"] == "ack"
        assert (await receive(client))["author"] == "ada"
    finally:
        await client.disconnect()


async def test_a_room_deleted_while_open_clears_then_closes_with_4404(
    room, django_user_model
):
    moderator = await sync_to_async(django_user_model.objects.create_user)("mod")
    client = await open_room(room)
    try:
        await sync_to_async(services.delete_room)(room=room, by=moderator)
        assert await receive(client) == {"type": "clear"}
        output = await client.receive_output(timeout=2)
        assert output == {"type": "websocket.close", "code": 4404}
    finally:
        await client.disconnect()


async def test_posting_to_a_room_deleted_unannounced_closes_with_4404(room):
    # Deleted where this process's layer heard nothing (another process
    # without Redis): the failed write is how the connection finds out.
    client = await open_room(room)
    try:
        await sync_to_async(Room.objects.filter(pk=room.pk).delete)()
        await send(client, {"type": "message", "text": "anyone?"})
        output = await client.receive_output(timeout=2)
        assert output == {"type": "websocket.close", "code": 4404}
    finally:
        await client.disconnect()
