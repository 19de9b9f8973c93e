"""
netsite's settings with Channels' stock in-memory channel layer.

The benchmark serves netsite once more with these
(``DJANGO_SETTINGS_MODULE=bench.settings``) to show what netsite's own
fan-out layer saves per delivery; everything else is netsite's.
"""

from netsite.settings import *  # noqa: F403

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels.layers.InMemoryChannelLayer",
        "CONFIG": {"capacity": 1000, "expiry": 60},
    }
}
