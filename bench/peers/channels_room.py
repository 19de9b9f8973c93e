"""
A chat room written as the Channels tutorial writes it, on daphne.

An ``AsyncWebsocketConsumer`` joins the room's group on connect; a frame it
receives goes to the group with ``group_send`` through Channels' stock
``InMemoryChannelLayer``, and each member's ``chat_message`` handler encodes
and sends it. The settings are the least Channels needs; the tutorial's
session and auth middleware are left out because they cost only at connect.
The frames are netsite's ``message`` frames.

    daphne -b 127.0.0.1 -p 8001 bench.peers.channels_room:application
"""

import datetime
import itertools
import json

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter

import django
from django.conf import settings
from django.urls import path

settings.configure(
    INSTALLED_APPS=["channels"],
    CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
)
django.setup()

IDS = itertools.count(1)


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_group_name = "chat_" + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data):
        payload = json.loads(text_data)
        message = {
            "type": "message",
            "id": next(IDS),
            "room": "bench",
            "author": "bench",
            "text": payload["text"],
            "created": datetime.datetime.now(datetime.UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "client_id": payload.get("client_id"),
        }
        await self.channel_layer.group_send(
            self.room_group_name, {"type": "chat.message", "message": message}
        )

    async def chat_message(self, event):
        await self.send(text_data=json.dumps(event["message"]))


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/chat/<slug:room>/", ChatConsumer.as_asgi())])}
)
