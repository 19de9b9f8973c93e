"""
The live board streams: read-only, one frame per board event.

``/ws/board/`` follows the list of topics, ``/ws/board/t/<id>/`` one topic's
replies. ``board.services`` publishes each change with its frame already
encoded (``post`` with the rendered ``html``, ``topic`` when a reply made a
topic the latest active, ``delete``, ``clear``), so these consumers only
forward ``event["text"]``. Frames from the client are ignored: the board is
written through its forms and the API, which all go through the services.
"""

from channels.generic.websocket import AsyncWebsocketConsumer

from board.services import BOARD_GROUP, topic_group
from content.layers import LayerEventDispatchMixin
from content.sessions import SessionBoundMixin
from content.sockets import PersonalGroupsMixin


class BoardConsumer(
    PersonalGroupsMixin,
    SessionBoundMixin,
    LayerEventDispatchMixin,
    AsyncWebsocketConsumer,
):
    groups = [BOARD_GROUP]
    # Forwarded as they are, without Channels' per-event thread hop.
    layer_events = frozenset(
        {"board.post", "board.topic", "board.delete", "board.clear"}
    )

    async def receive(self, text_data=None, bytes_data=None):
        pass


class TopicConsumer(BoardConsumer):
    """One topic's stream: its new, hidden and deleted replies."""

    async def websocket_connect(self, message):
        self.groups = [topic_group(self.scope["url_route"]["kwargs"]["topic_id"])]
        await super().websocket_connect(message)
