"""
``manage.py serve`` with one extra route for the benchmark: ``/ws/bench/<room>/``.

The route's consumer does what netsite's chat consumer does on the broadcast
path, minus the database: parse the frame, encode the ``message`` frame once,
``group_send`` it, and forward ``event["text"]`` in the handler (with
``content.layers.LayerEventDispatchMixin``; with Channels' stock dispatch when
``BENCH_CHANNEL_LAYER=stock``, the all-stock comparison). It lets the
channel layers be measured on any branch, with or without the chat app's
consumer. Everything else (settings, ASGI stack, daphne options) is the real
``serve`` command, run in this process.
"""

import datetime
import itertools
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import path  # noqa: E402

import chat.routing  # noqa: E402
from content.layers import LayerEventDispatchMixin  # noqa: E402

IDS = itertools.count(1)


class StockRoomConsumer(AsyncWebsocketConsumer):
    """The broadcast path written with Channels' stock dispatch only."""

    async def connect(self):
        self.group = "bench." + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        payload = json.loads(text_data)
        number = next(IDS)
        frame = json.dumps(
            {
                "type": "message",
                "id": number,
                "room": "bench",
                "author": "bench",
                "text": payload["text"],
                "created": datetime.datetime.now(datetime.UTC)
                .isoformat()
                .replace("+00:00", "Z"),
                "client_id": payload.get("client_id"),
            }
        )
        await self.channel_layer.group_send(
            self.group, {"type": "chat.message", "id": number, "text": frame}
        )

    async def chat_message(self, event):
        await self.send(text_data=event["text"])

    async def layer_overflow(self, event):
        await self.close(code=4409)


class BenchRoomConsumer(LayerEventDispatchMixin, StockRoomConsumer):
    """The same, forwarding chat.message without Channels' per-event thread hop."""

    layer_events = {"chat.message"}


CONSUMER = StockRoomConsumer if settings.STOCK_LAYER else BenchRoomConsumer

# Mounted before netsite.asgi builds its router from chat's routes.
chat.routing.websocket_urlpatterns.append(
    path("ws/bench/<str:room>/", CONSUMER.as_asgi())
)

if __name__ == "__main__":
    call_command("serve", *sys.argv[1:])
