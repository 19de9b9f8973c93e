"""
``content.events.publish`` from the worker threads that run services.

A service publishes on commit from the thread ``sync_to_async`` runs it in;
the send itself runs on the event loop that thread works for. When that loop
has stopped (the server is shutting down), nothing will ever run the send:
``publish`` must return at once and say so, never wait for ever.
"""

import asyncio
import logging
import threading
import time

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from content.events import publish

GUARD = 10  # seconds: a guard against a hang, never an assertion


def test_publish_reaches_the_group_from_a_worker_thread():
    async def main():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("news", channel)
        await sync_to_async(publish)("news", {"type": "news.item", "text": "hi"})
        return await asyncio.wait_for(layer.receive(channel), GUARD)

    assert asyncio.run(main()) == {"type": "news.item", "text": "hi"}


def test_publish_returns_at_once_when_the_loop_has_stopped(caplog):
    loop = asyncio.new_event_loop()
    took = []
    published = threading.Event()

    def service():
        # What SIGTERM does to the server while a write is committing.
        loop.call_soon_threadsafe(loop.stop)
        while loop.is_running():
            time.sleep(0.01)
        started = time.monotonic()
        publish("news", {"type": "news.item", "text": "late"})
        took.append(time.monotonic() - started)
        published.set()

    worker = loop.create_task(sync_to_async(service)())
    thread = threading.Thread(target=loop.run_forever)
    with caplog.at_level(logging.WARNING, logger="content.events"):
        thread.start()
        thread.join(GUARD)
        assert not thread.is_alive()
        assert published.wait(GUARD), "publish never returned"
        # Let the worker's task finish on the loop it belongs to.
        loop.run_until_complete(asyncio.wait_for(worker, GUARD))
    loop.close()

    assert took and took[0] < 1
    assert "broadcast skipped: the server is stopping" in caplog.text
