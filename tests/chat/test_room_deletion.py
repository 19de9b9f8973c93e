"""Deleting and archiving rooms: nobody deletes other people's messages silently."""

import pytest

from django.core.exceptions import PermissionDenied

from chat import services
from chat.models import Message, Room
from content.models import AuditEntry
from tests.api.conftest import token_client
from tests.conftest import csrf_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(user):
    return services.create_room(title="Ada's room", created_by=user)


def test_a_creator_deletes_a_room_only_they_wrote_in(room, user):
    services.post_message(room=room, text="just me", author=user)[0]
    response = token_client(user).delete(f"/api/rooms/{room.slug}/")
    assert response.status_code == 204
    assert not Room.objects.exists()


def test_a_creator_cannot_delete_a_room_others_wrote_in(room, user, other_user):
    services.post_message(room=room, text="mine", author=user)[0]
    services.post_message(room=room, text="theirs", author=other_user)[0]
    response = token_client(user).delete(f"/api/rooms/{room.slug}/")
    assert response.status_code == 403
    assert "Archive it instead" in response.json()["detail"]
    assert Message.objects.count() == 2


def test_guests_count_as_others(room, user):
    services.post_message(room=room, text="a guest", display_name="Zed")[0]
    with pytest.raises(PermissionDenied):
        services.delete_room(room=room, by=user, via="api")


def test_a_moderator_deletes_any_room_and_it_is_logged(room, other_user, moderator):
    services.post_message(room=room, text="theirs", author=other_user)[0]
    response = token_client(moderator).delete(f"/api/rooms/{room.slug}/")
    assert response.status_code == 204
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.via, entry.actor) == ("delete_room", "api", moderator)
    assert entry.detail == "with 1 messages"
    assert entry.target.startswith("room ")


def test_a_creator_archives_a_room_read_only_and_off_the_list(
    client, room, user, other_user
):
    services.post_message(room=room, text="theirs", author=other_user)[0]
    response = token_client(user).patch(
        f"/api/rooms/{room.slug}/", {"archived": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["archived"] is True
    assert AuditEntry.objects.get().action == "archive"

    assert room.title not in client.get("/chat/").content.decode()
    page = client.get(room.get_absolute_url()).content.decode()
    assert "This room is archived: it is read-only." in page
    assert 'id="chat-form"' not in page
    assert "theirs" in page

    refused = token_client(other_user).post(
        f"/api/rooms/{room.slug}/messages/", {"text": "hello?"}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["text"] == [
        "This room is archived: it is read-only."
    ]
    form = client.post(
        room.get_absolute_url(),
        {"text": "hello?", "csrfmiddlewaretoken": csrf_token(client, "/chat/")},
    )
    assert form.status_code == 400
    assert Message.objects.count() == 1


def test_someone_else_cannot_archive_a_room(room, other_user):
    response = token_client(other_user).patch(
        f"/api/rooms/{room.slug}/", {"archived": True}, format="json"
    )
    assert response.status_code == 403
    room.refresh_from_db()
    assert not room.archived


@pytest.mark.django_db(transaction=True)
async def test_an_archived_room_refuses_chat_frames(room):
    from asgiref.sync import sync_to_async

    from tests.chat.conftest import connect_to, receive, send

    await sync_to_async(services.archive_room)(room=room, by=None, via="command")
    client = connect_to(f"/ws/chat/{room.slug}/")
    assert (await client.connect())[0]
    try:
        await send(client, {"type": "message", "text": "hi", "client_id": "c"})
        error = await receive(client)
        assert error["code"] == "archived" and error["client_id"] == "c"
    finally:
        await client.disconnect()
