"""
``/ws/moderation/``: the live review queue, for those who work it.

Staff who may see reports (``content.moderators.reviews_reports``) connect
and receive ``{"type": "reports", "open": N, "queue": URL}`` at once and
whenever the queue changes, with a ``report`` object when a new report came
in (docs/protocol.md). The admin's badge and the notice on moderators' board
and chat pages are its clients. Anyone else is refused at the handshake.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from content import queue
from content.events import encode_frame
from content.layers import LayerEventDispatchMixin
from content.moderators import reviews_reports
from content.sessions import SessionBoundMixin
from content.sockets import PersonalGroupsMixin


@database_sync_to_async
def _allowed(user):
    return user is not None and reviews_reports(user)


@database_sync_to_async
def _current():
    return encode_frame(queue.reports_frame())


class ModerationConsumer(
    PersonalGroupsMixin,
    SessionBoundMixin,
    LayerEventDispatchMixin,
    AsyncWebsocketConsumer,
):
    # Forwarded as they are: the frame was encoded once by content.queue.
    layer_events = frozenset({"moderation.reports"})

    async def connect(self):
        self.joined = False
        if not await _allowed(self.scope.get("user")):
            await self.close()
            return
        await self.channel_layer.group_add(queue.MODERATORS_GROUP, self.channel_name)
        self.joined = True
        await self.accept()
        await self.send(text_data=await _current())

    async def disconnect(self, code):
        if self.joined:
            await self.channel_layer.group_discard(
                queue.MODERATORS_GROUP, self.channel_name
            )

    async def receive(self, text_data=None, bytes_data=None):
        pass  # read-only: moderators act through the admin and the pages
