"""
Publishing state changes to open pages.

A service function that changes what pages show (a new post, a hidden chat
message) calls ``publish_on_commit``: the event goes to the channel layer only
once the transaction commits, so no page ever shows something a rollback
undid, and a failed broadcast never undoes a saved write.
"""

import asyncio
import concurrent.futures
import json
import logging
import os
import time
from datetime import UTC

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

from django.db import transaction

from content import pages

logger = logging.getLogger(__name__)

# Seconds a broadcast may take to reach the channel layer.
PUBLISH_TIMEOUT = 5.0


def publish_on_commit(group, event, *more):
    """
    Send ``event`` to the channel-layer ``group`` after the current commit,
    and each ``(group, event)`` pair of ``more`` after it, in order: all in
    one trip to the server's event loop (a trip costs the writing thread far
    more than a send to a group). Move on, in this transaction, the versions
    of the pages that show these groups (content.pages).
    """
    sends = [(group, event), *more]
    for name, _ in sends:
        pages.bump(name)
    transaction.on_commit(lambda: publish(*sends[0], *sends[1:]), robust=True)


def publish(group, event, *more):
    """
    Send ``event`` to ``group`` now, then each ``(group, event)`` of ``more``;
    log, never raise, never wait for ever.

    Called from a request's or a consumer's worker thread, the send runs on
    the server's event loop, as ``async_to_sync`` would run it, but the wait
    is bounded: a loop that is stopping (the server got SIGTERM) may never
    run it, and a stuck layer must not hold the write's thread. Either way
    the write itself is committed; clients catch up with ``?after`` when they
    reconnect.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    sends = [(group, event), *more]
    details = {"group": group, "event_type": event["type"]}
    loop = _server_loop()
    try:
        if loop is None:
            # No server loop (a management command): a loop of its own.
            async_to_sync(_send)(layer, sends)
        elif not loop.is_running():
            logger.warning("broadcast skipped: the server is stopping", extra=details)
        else:
            future = asyncio.run_coroutine_threadsafe(_send(layer, sends), loop)
            _wait(future, loop, details)
    except Exception:
        logger.exception("broadcast failed", extra=details)


async def _send(layer, sends):
    for group, event in sends:
        try:
            await asyncio.wait_for(layer.group_send(group, event), PUBLISH_TIMEOUT)
        except Exception:
            # One group's failure does not keep the others from hearing.
            details = {"group": group, "event_type": event["type"]}
            logger.exception("broadcast failed", extra=details)


def _server_loop():
    """The event loop this worker thread works for, if it is one of asgiref's."""
    # sync_to_async records it for async_to_sync in its worker threads, and
    # leaves it there: a closed one is left over from an earlier loop.
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if loop is None or pid != os.getpid() or loop.is_closed():
        return None
    return loop


def _wait(future, loop, details):
    deadline = time.monotonic() + PUBLISH_TIMEOUT
    while True:
        try:
            # In short steps, to notice a loop that stops meanwhile.
            future.result(timeout=0.1)
            return
        except concurrent.futures.TimeoutError:
            if not loop.is_running():
                reason = "the server is stopping"
            elif time.monotonic() > deadline:
                reason = f"no answer in {PUBLISH_TIMEOUT:.0f} s"
            else:
                continue
        future.cancel()
        logger.warning(f"broadcast skipped: {reason}", extra=details)
        return


def encode_frame(frame):
    """Encode a protocol frame once, compactly, for every socket that gets it."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def utc_iso(moment):
    """Return an aware datetime as ISO 8601 UTC with a ``Z``, as frames carry it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
