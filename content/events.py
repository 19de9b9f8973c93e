"""
Publishing state changes to open pages.

A service function that changes what pages show (a new post, a hidden chat
message) calls ``publish_on_commit``: the event goes to the channel layer only
once the transaction commits, so no page ever shows something a rollback
undid, and a failed broadcast never undoes a saved write.
"""

import json
import logging
from datetime import UTC

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from django.db import transaction

logger = logging.getLogger(__name__)


def publish_on_commit(group, event):
    """Send ``event`` to the channel-layer ``group`` after the current commit."""
    transaction.on_commit(lambda: publish(group, event), robust=True)


def publish(group, event):
    """Send ``event`` to ``group`` now; log, never raise, if the layer is down."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.exception(
            "broadcast failed", extra={"group": group, "event_type": event["type"]}
        )


def encode_frame(frame):
    """Encode a protocol frame once, compactly, for every socket that gets it."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def utc_iso(moment):
    """Return an aware datetime as ISO 8601 UTC with a ``Z``, as frames carry it."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
