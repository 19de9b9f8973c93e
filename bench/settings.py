"""
netsite's settings plus the benchmark's one switch.

``BENCH_CHANNEL_LAYER=stock`` swaps in Channels' own channel layers (and, on
the bench route, Channels' own dispatch) so that ``make bench`` can compare
them with netsite's fan-out layers; anything else keeps netsite's.
"""

import os

from netsite.settings import *  # noqa: F403
from netsite.settings import CHANNEL_LAYERS, REDIS_URL

STOCK_LAYER = os.environ.get("BENCH_CHANNEL_LAYER") == "stock"

if STOCK_LAYER:
    CHANNEL_LAYERS = {
        "default": {
            **CHANNEL_LAYERS["default"],
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer"
            if REDIS_URL
            else "channels.layers.InMemoryChannelLayer",
        }
    }
