"""``manage.py say`` and the broadcast check, in-process."""

from io import StringIO

import pytest
from asgiref.sync import sync_to_async

from django.core.management import CommandError, call_command

from chat.models import Message
from tests.chat.conftest import connect_to, receive

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


async def test_say_posts_as_the_system_user_and_reaches_open_rooms(room):
    listener = connect_to(f"/ws/chat/{room.slug}/")
    assert (await listener.connect())[0]
    try:
        out, _ = await sync_to_async(run)("say", room.slug, "maintenance at noon")
        frame = await receive(listener)
        assert (frame["author"], frame["text"]) == ("system", "maintenance at noon")
        assert f"Posted message #{frame['id']}" in out
    finally:
        await listener.disconnect()
    message = await sync_to_async(Message.objects.select_related("author").get)()
    assert not message.author.has_usable_password()


def test_say_warns_in_one_line_when_its_broadcast_cannot_reach_the_server(
    room, settings
):
    settings.REDIS_URL = None
    _, err = run("say", room.slug, "hello")
    assert err.splitlines() == [
        "Warning: REDIS_URL is not set, so open pages show this message only "
        "after a reload."
    ]


def test_say_at_verbosity_0_prints_no_warning(room, settings):
    settings.REDIS_URL = None
    out, err = run("say", room.slug, "hello", "-v", "0")
    assert err == ""
    assert out.startswith("Posted message #")


def test_say_does_not_warn_with_a_shared_channel_layer(room, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    _, err = run("say", room.slug, "hello")
    assert err == ""


def test_say_to_an_unknown_room_prints_the_error_and_no_warning(room, settings):
    settings.REDIS_URL = None
    with pytest.raises(CommandError, match="There is no room 'nowhere'"):
        run("say", "nowhere", "hello")


def test_the_deploy_check_reports_the_missing_redis(settings):
    settings.REDIS_URL = None
    _, err = run("check", "--deploy", "--tag", "broadcast")
    assert "chat.W001" in err
    assert "REDIS_URL is not set" in err


def test_the_plain_check_stays_quiet_in_the_embedded_tier(settings):
    settings.REDIS_URL = None
    out, err = run("check")
    assert "chat.W001" not in out + err
