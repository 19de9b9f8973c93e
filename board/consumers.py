"""
The live board stream, ``/ws/board/``: read-only, one frame per board event.

``board.services`` publishes each change with its frame already encoded
(``post`` with the rendered ``html``, ``delete``, ``clear``), so this consumer
only forwards ``event["text"]``. Frames from the client are ignored: the board
is written through its form and the API, which both go through the services.
"""

from channels.generic.websocket import AsyncWebsocketConsumer

from board.services import BOARD_GROUP
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
    layer_events = frozenset({"board.post", "board.delete", "board.clear"})

    async def receive(self, text_data=None, bytes_data=None):
        pass
