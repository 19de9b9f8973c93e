import json

import pytest
from channels.testing import WebsocketCommunicator

from django.core.cache import cache

from chat.services import create_room
from netsite.asgi import application

ORIGIN = [(b"origin", b"http://localhost")]


def connect_to(path, headers=ORIGIN):
    """Return a communicator for ``path`` on the real ASGI application."""
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(communicator, timeout=2):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def send(communicator, frame):
    await communicator.send_to(text_data=json.dumps(frame))


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
