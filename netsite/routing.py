"""WebSocket routes of every app, mounted under ``ws/``."""

from django.urls import path

from board.consumers import BoardConsumer
from chat.consumers import EchoConsumer
from chat.routing import websocket_urlpatterns as chat_patterns

websocket_urlpatterns = [
    *chat_patterns,
    path("ws/board/", BoardConsumer.as_asgi()),
    path("ws/echo/", EchoConsumer.as_asgi()),
]
