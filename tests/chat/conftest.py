import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from django.core.cache import cache

from chat.services import create_room, post_message
from netsite.asgi import application

# A browser page on the site itself: Host and Origin name the same origin.
ORIGIN = [(b"host", b"localhost"), (b"origin", b"http://localhost")]


def connect_to(path, headers=ORIGIN):
    """Return a communicator for ``path`` on the real ASGI application."""
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(communicator, timeout=2):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def send(communicator, frame):
    await communicator.send_to(text_data=json.dumps(frame))


async def post_sentinel(room):
    """
    Post a message to ``room`` through the service and return it. The channel
    layer hands each member its room's events in order, so whatever reached a
    member before the sentinel was posted arrives before the sentinel does.
    """
    message, _created = await sync_to_async(post_message)(room=room, text="sentinel")
    return message


async def frames_before(communicator, sentinel):
    """Return every frame ``communicator`` receives before ``sentinel``'s."""
    frames = []
    while True:
        frame = await receive(communicator, timeout=10)  # a guard against a hang
        if frame.get("type") == "message" and frame.get("id") == sentinel.pk:
            return frames
        frames.append(frame)


@pytest.fixture
def room(db):
    return create_room(title="Lobby")


@pytest.fixture
def other_room(db):
    return create_room(title="Kitchen")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()
