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
        await sync_to_async(services.hide_messages)(
            [message], by=moderator, via="command"
        )
        assert await receive(client) == {"type": "delete", "id": message.pk}
        await sync_to_async(services.clear_room)(room=room, by=moderator, via="command")
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
        await sync_to_async(services.delete_room)(
            room=room, by=moderator, via="command"
        )
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


@pytest.mark.parametrize("field", ["text", "name", "client_id"])
@pytest.mark.parametrize("character", ["\ud800", "\x00"])
async def test_a_character_that_cannot_be_stored_gets_an_error_frame(
    room, field, character
):
    """A lone surrogate (JSON "\\ud800") or a NUL must not kill the socket."""
    client = await open_room(room)
    try:
        frame = {"type": "message", "text": "hi", "name": "kim", "client_id": "c1"}
        frame[field] = f"a{character}b"
        await client.send_to(text_data=json.dumps(frame))  # "\ud800" as an escape
        error = await receive(client)
        assert (error["type"], error["code"]) == ("error", "bad_characters")
        assert f"U+{ord(character):04X}" in error["detail"]
        # The refused client_id is not echoed; a good one is.
        assert error.get("client_id") == (None if field == "client_id" else "c1")
        await send(client, {"type": "message", "text": "still here"})
        assert (await receive(client))["type"] == "ack"
    finally:
        await client.disconnect()
    texts = await sync_to_async(list)(Message.objects.values_list("text", flat=True))
    assert texts == ["still here"]


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user("ada", password="pw-123456")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("admin", "staff"),
        ("Admin", "staff"),
        ("\u0430dmin", "staff"),  # Cyrillic а
        ("ＳＹＳＴＥＭ", "staff"),  # fullwidth
        ("system", "staff"),  # the name `manage.py say` posts under
        ("moderator", "staff"),
        ("ada", "member"),
        ("ADA", "member"),
        ("\u0430d\u0430", "member"),  # Cyrillic а twice
    ],
)
async def test_a_guest_cannot_pass_for_staff_or_a_member(room, ada, name, why):
    client = await open_room(room)
    try:
        await send(
            client, {"type": "message", "text": "hi", "name": name, "client_id": "g1"}
        )
        error = await receive(client)
        assert (error["code"], error["client_id"]) == ("reserved_name", "g1")
        assert error["detail"].startswith(f'"name": “{name}”')
        expected = "the site and its staff" if why == "staff" else "a member's name"
        assert expected in error["detail"]
        assert await client.receive_nothing()
    finally:
        await client.disconnect()
    assert await sync_to_async(Message.objects.count)() == 0


async def test_frames_say_whether_a_guest_or_a_member_wrote(room, ada):
    browser = Client()
    await sync_to_async(browser.force_login)(ada)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    member = connect_to(
        f"/ws/chat/{room.slug}/",
        headers=[*ORIGIN, (b"cookie", cookie)],
    )
    assert (await member.connect())[0]
    guest = await open_room(room)
    try:
        await send(guest, {"type": "message", "text": "hi", "name": "Ada Lovelace"})
        assert (await receive(guest))["type"] == "ack"
        assert (await receive(guest))["guest"] is True  # its own copy
        frame = await receive(member)
        assert (frame["author"], frame["guest"]) == ("Ada Lovelace", True)
        await send(member, {"type": "message", "text": "hello"})
        assert (await receive(member))["type"] == "ack"
        frame = await receive(guest)
        assert (frame["author"], frame["guest"]) == ("ada", False)
    finally:
        await member.disconnect()
        await guest.disconnect()


async def open_from(room, address, headers=None):
    """A socket from the guest address ``address``."""
    communicator = connect_to(
        f"/ws/chat/{room.slug}/", **({"headers": headers} if headers else {})
    )
    communicator.scope["client"] = [address, 40000]
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def send_and_read(client, n, prefix):
    """Send ``n`` messages; return the first frame answering each."""
    answers = []
    for i in range(n):
        await send(
            client,
            {"type": "message", "text": f"{prefix}{i}", "client_id": f"{prefix}{i}"},
        )
        answer = await receive(client)
        answers.append(answer)
        if answer["type"] == "ack":
            await receive(client)  # its broadcast
    return answers


async def test_a_rate_limited_message_is_named_by_its_client_id(room, settings):
    settings.NETSITE_CHAT_RATE = (2, 20)
    client = await open_from(room, "192.0.2.1")
    try:
        answers = await send_and_read(client, 3, "m")
        assert [a["type"] for a in answers] == ["ack", "ack", "error"]
        assert answers[2]["code"] == "rate_limited"
        assert answers[2]["client_id"] == "m2"
        assert 1 <= answers[2]["retry_after"] <= 20
    finally:
        await client.disconnect()


async def test_reconnecting_does_not_reset_the_rate_limit(room, settings):
    settings.NETSITE_CHAT_RATE = (3, 20)
    first = await open_from(room, "192.0.2.2")
    try:
        answers = await send_and_read(first, 3, "a")
        assert [a["type"] for a in answers] == ["ack"] * 3
    finally:
        await first.disconnect()
    again = await open_from(room, "192.0.2.2")
    elsewhere = await open_from(room, "192.0.2.3")  # another guest's own allowance
    try:
        (answer,) = await send_and_read(again, 1, "b")
        assert (answer["code"], answer["client_id"]) == ("rate_limited", "b0")
        (answer,) = await send_and_read(elsewhere, 1, "c")
        assert answer["type"] == "ack"
    finally:
        await again.disconnect()
        await elsewhere.disconnect()
    assert await sync_to_async(Message.objects.count)() == 4


async def test_a_member_is_counted_from_every_address(room, settings, ada):
    settings.NETSITE_CHAT_RATE = (2, 20)
    browser = Client()
    await sync_to_async(browser.force_login)(ada)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())
    headers = [*ORIGIN, cookie]
    home = await open_from(room, "192.0.2.4", headers)
    try:
        assert [a["type"] for a in await send_and_read(home, 2, "h")] == ["ack"] * 2
    finally:
        await home.disconnect()
    phone = await open_from(room, "198.51.100.4", headers)
    try:
        (answer,) = await send_and_read(phone, 1, "p")
        assert answer["code"] == "rate_limited"
    finally:
        await phone.disconnect()


async def test_the_room_form_and_the_socket_share_one_allowance(room, settings):
    settings.NETSITE_CHAT_RATE = (2, 20)
    client = await open_from(room, "127.0.0.1")
    try:
        assert [a["type"] for a in await send_and_read(client, 2, "s")] == ["ack"] * 2
    finally:
        await client.disconnect()
    browser = Client(enforce_csrf_checks=True)
    page = await sync_to_async(browser.get)(f"/chat/{room.slug}/")
    token = browser.cookies["csrftoken"].value
    reply = await sync_to_async(browser.post)(
        f"/chat/{room.slug}/", {"text": "by form", "csrfmiddlewaretoken": token}
    )
    assert (page.status_code, reply.status_code) == (200, 429)


async def test_a_message_frame_carries_the_stored_formatted_html(room):
    client = await open_room(room)
    try:
        text = "**bold** <script>alert(1)</script>\n@ada"
        await send(client, {"type": "message", "text": text, "client_id": "f1"})
        ack = await receive(client)
        frame = await receive(client)
        stored = await sync_to_async(Message.objects.get)(pk=ack["id"])
        assert frame["text"] == stored.text == text
        assert (
            frame["html"]
            == stored.html
            == (
                "<p><strong>bold</strong> &lt;script&gt;alert(1)&lt;/script&gt;<br>\n"
                '<span class="mention">@ada</span></p>'
            )
        )
        # A replay sends the same frame.
        again = await open_room(room, "?after=0")
        try:
            assert await receive(again) == frame
        finally:
            await again.disconnect()
    finally:
        await client.disconnect()
