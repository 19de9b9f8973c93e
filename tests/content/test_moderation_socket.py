"""/ws/moderation/: the live review queue, for moderators only."""

import pytest
from asgiref.sync import sync_to_async

from content import reports
from content.services import Moderation
from tests.chat.conftest import receive
from tests.content.conftest import socket_as

pytestmark = pytest.mark.django_db(transaction=True)


async def test_anyone_but_a_moderator_is_refused(other_user):
    for user in (None, other_user):
        client = await socket_as(user, "/ws/moderation/")
        connected, _ = await client.connect()
        assert not connected
        await client.disconnect()


async def test_a_moderator_hears_of_every_change_to_the_queue(
    moderator, post, other_user
):
    client = await socket_as(moderator, "/ws/moderation/")
    assert (await client.connect())[0]
    try:
        first = await receive(client)
        assert first == {"type": "reports", "open": 0, "queue": first["queue"]}
        assert first["queue"] == "/admin/content/report/queue/"

        await sync_to_async(reports.report_item)(
            item=post, reason="spam", reporter=other_user
        )
        news = await receive(client)
        assert news["open"] == 1
        assert news["report"]["kind"] == "post"
        assert news["report"]["id"] == post.pk
        assert news["report"]["reason"] == "spam"
        assert news["report"]["excerpt"] == "Buy cheap watches"

        # A second report of the same item is news, not another open item.
        await sync_to_async(reports.report_item)(
            item=post, reason="scam", address="10.0.0.5"
        )
        assert (await receive(client))["open"] == 1

        await sync_to_async(Moderation.of(type(post)).hide)(
            [post], by=moderator, via="admin"
        )
        assert await receive(client) == {**first, "open": 0}
    finally:
        await client.disconnect()
