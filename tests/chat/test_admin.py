"""Moderating chat through the admin, as a member of the Moderators group."""

import importlib
import json

import pytest
from asgiref.sync import sync_to_async

from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from chat.models import Message, Room
from chat.services import post_message
from content import moderators
from tests.chat.conftest import connect_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderator(django_user_model):
    # transaction=True tests flush the group that the data migration made.
    migration = importlib.import_module("chat.migrations.0002_moderators_group")
    moderators.grant(apps, "chat", migration.CODENAMES)
    user = django_user_model.objects.create_user(
        "mod", password="pw-for-tests", is_staff=True
    )
    user.groups.add(Group.objects.get(name=moderators.GROUP_NAME))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def run_action(browser, url, action, ids):
    page = browser.get(url)
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    token = token or browser.cookies["csrftoken"].value
    return browser.post(
        url,
        {
            "action": action,
            "_selected_action": [str(i) for i in ids],
            "csrfmiddlewaretoken": token,
        },
    )


async def test_a_moderator_hides_a_message_and_open_rooms_drop_it(room, moderator):
    message, _ = await sync_to_async(post_message)(room=room, text="rude")
    listener = connect_to(f"/ws/chat/{room.slug}/")
    assert (await listener.connect())[0]
    try:
        response = await sync_to_async(run_action)(
            moderator, "/admin/chat/message/", "hide_selected", [message.pk]
        )
        assert response.status_code == 302
        frame = json.loads(await listener.receive_from(timeout=2))
        assert frame == {"type": "delete", "id": message.pk}
    finally:
        await listener.disconnect()
    await sync_to_async(message.refresh_from_db)()
    assert message.hidden


async def test_a_moderator_clears_a_room(room, moderator):
    await sync_to_async(post_message)(room=room, text="one")
    listener = connect_to(f"/ws/chat/{room.slug}/")
    assert (await listener.connect())[0]
    try:
        response = await sync_to_async(run_action)(
            moderator, "/admin/chat/room/", "clear_selected", [room.pk]
        )
        assert response.status_code == 302
        frame = json.loads(await listener.receive_from(timeout=2))
        assert frame == {"type": "clear"}
    finally:
        await listener.disconnect()
    assert not await sync_to_async(Message.objects.visible().exists)()


def test_a_moderator_deletes_messages_through_the_service(room, moderator):
    message, _ = post_message(room=room, text="spam")
    response = run_action(
        moderator, "/admin/chat/message/", "delete_selected_items", [message.pk]
    )
    assert response.status_code == 302
    assert not Message.objects.exists()


def test_an_admin_creates_a_room_with_a_generated_slug(admin_client):
    page = admin_client.get("/admin/chat/room/add/")
    assert page.status_code == 200
    response = admin_client.post("/admin/chat/room/add/", {"title": "Été 2026"})
    assert response.status_code == 302
    room = Room.objects.get()
    assert (room.title, room.slug) == ("Été 2026", "été-2026")


def test_clearing_one_room_reports_it_in_the_singular(room, moderator):
    post_message(room=room, text="only one")

    response = run_action(moderator, "/admin/chat/room/", "clear_selected", [room.pk])

    shown = [str(m) for m in moderator.get(response.url).context["messages"]]
    assert shown == ["Cleared 1 room: hid 1 message."]
