"""
Sockets end with the session: logging out, or an account being deactivated or
deleted, closes the user's open sockets with 4401, through the real
interfaces (the logout form, the admin, a model save) and the real ASGI
application.
"""

import pytest
from asgiref.sync import sync_to_async

from django.test import Client

from chat.models import Message
from tests.chat.conftest import ORIGIN, connect_to, receive, send

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED_OUT = {"type": "websocket.close", "code": 4401}
WITHIN = 1  # second: the promise in docs/protocol.md


def browser_of(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


async def open_socket(path, browser):
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    communicator = connect_to(path, headers=[*ORIGIN, (b"cookie", cookie)])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def log_out(browser):
    browser.get("/chat/")  # the CSRF cookie, as a page load sets it
    token = browser.cookies["csrftoken"].value
    reply = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert reply.status_code == 302


@pytest.fixture
def ada(django_user_model):
    return django_user_model.objects.create_user("ada", password="correct horse 1")


async def test_logging_out_closes_that_sessions_sockets_and_no_others(room, ada):
    laptop = await sync_to_async(browser_of)(ada)
    phone = await sync_to_async(browser_of)(ada)
    chat = await open_socket(f"/ws/chat/{room.slug}/", laptop)
    board = await open_socket("/ws/board/", laptop)
    elsewhere = await open_socket(f"/ws/chat/{room.slug}/", phone)
    try:
        await sync_to_async(log_out)(laptop)
        assert await chat.receive_output(timeout=WITHIN) == SIGNED_OUT
        assert await board.receive_output(timeout=WITHIN) == SIGNED_OUT
        # The phone's session is still signed in: its socket goes on.
        await send(elsewhere, {"type": "message", "text": "still me"})
        assert (await receive(elsewhere))["type"] == "ack"
    finally:
        for communicator in (chat, board, elsewhere):
            await communicator.disconnect()


async def test_a_socket_that_was_signed_out_stores_nothing_more(room, ada):
    browser = await sync_to_async(browser_of)(ada)
    chat = await open_socket(f"/ws/chat/{room.slug}/", browser)
    try:
        await sync_to_async(log_out)(browser)
        assert await chat.receive_output(timeout=WITHIN) == SIGNED_OUT
        await send(chat, {"type": "message", "text": "posted after logout"})
        assert await chat.receive_nothing()
    finally:
        await chat.disconnect()
    assert await sync_to_async(Message.objects.count)() == 0


async def test_deactivating_in_the_admin_closes_every_socket_of_the_user(
    room, ada, django_user_model
):
    admin = await sync_to_async(django_user_model.objects.create_superuser)(
        "root", password="correct horse 9"
    )
    laptop = await sync_to_async(browser_of)(ada)
    phone = await sync_to_async(browser_of)(ada)
    sockets = [
        await open_socket(f"/ws/chat/{room.slug}/", laptop),
        await open_socket("/ws/board/", phone),
        await open_socket("/ws/echo/", phone),
    ]
    moderator = await sync_to_async(browser_of)(admin)

    def deactivate():
        page = f"/admin/auth/user/{ada.pk}/change/"
        moderator.get(page)
        reply = moderator.post(
            page,
            {
                "csrfmiddlewaretoken": moderator.cookies["csrftoken"].value,
                "username": "ada",
                "date_joined_0": ada.date_joined.strftime("%Y-%m-%d"),
                "date_joined_1": ada.date_joined.strftime("%H:%M:%S"),
                # "is_active" left out: the box unticked
            },
        )
        assert reply.status_code == 302, reply.content.decode()[:2000]

    try:
        await sync_to_async(deactivate)()
        for communicator in sockets:
            assert await communicator.receive_output(timeout=WITHIN) == SIGNED_OUT
    finally:
        for communicator in sockets:
            await communicator.disconnect()


async def test_deleting_a_user_closes_their_sockets(room, ada):
    browser = await sync_to_async(browser_of)(ada)
    chat = await open_socket(f"/ws/chat/{room.slug}/", browser)
    try:
        await sync_to_async(ada.delete)()
        assert await chat.receive_output(timeout=WITHIN) == SIGNED_OUT
    finally:
        await chat.disconnect()


async def test_a_user_deactivated_without_a_signal_is_stopped_at_the_next_message(
    room, ada, django_user_model
):
    # QuerySet.update() sends no signal, as a change made by another process
    # without Redis reaches no socket here: the consumer checks before storing.
    browser = await sync_to_async(browser_of)(ada)
    chat = await open_socket(f"/ws/chat/{room.slug}/", browser)
    try:
        await send(chat, {"type": "message", "text": "before"})
        assert (await receive(chat))["type"] == "ack"
        await receive(chat)  # the message itself
        await sync_to_async(django_user_model.objects.filter(pk=ada.pk).update)(
            is_active=False
        )
        await send(chat, {"type": "message", "text": "after"})
        assert await chat.receive_output(timeout=WITHIN) == SIGNED_OUT
    finally:
        await chat.disconnect()
    texts = await sync_to_async(list)(Message.objects.values_list("text", flat=True))
    assert texts == ["before"]
