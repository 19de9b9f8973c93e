"""
content: what board posts and chat messages share, below both apps.

The moderated-content base model (``models``) and its admin (``admin``); live
updates, from publishing an event on commit (``events``) to the channel layers
that fan it out (``layers``); rate limits in the shared cache (``ratelimit``);
HTTP helpers (``http``); the Moderators group (``moderators``); the bulk
import, seed and prune pipeline (``bulk``, ``records``, ``demo``) and the
operators' command base (``commands``).

It imports nothing of netsite's apps: board and chat build on it, api and the
project package on them (``make lint`` checks the direction).
"""
