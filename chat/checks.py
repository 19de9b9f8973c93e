"""
System checks for chat.

``chat.W001`` is a deployment check tagged ``broadcast``: it runs with
``manage.py check --deploy``, not before ``serve`` or ``migrate``, where the
embedded tier's in-memory channel layer is the intended set-up rather than a
mistake. The commands that broadcast (``say``, ``post``) print the same
warning in one line of their own (``content.commands``).
"""

from django.conf import settings
from django.core.checks import Warning, register

BROADCAST_TAG = "broadcast"


@register(BROADCAST_TAG, deploy=True)
def check_broadcasts_reach_the_server(app_configs, **kwargs):
    if settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set, so the channel layer lives inside each "
            "process: what management commands (say, post) write is saved, "
            "but their broadcasts cannot reach the running server. Open pages "
            "show them only after a reload (or a client's resume).",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) for both the "
            "server and management commands.",
            id="chat.W001",
        )
    ]
