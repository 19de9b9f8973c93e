"""
Counting attempts in fixed windows in the cache.

The counters live in the default cache: local memory in the embedded tier,
Redis in the scale-out tier, where every daphne process shares them.
"""

import math
import time

from django.core.cache import cache


def check_rate(scope, ident, *, rate):
    """
    Count one attempt by ``ident`` and return how many seconds it must wait,
    or ``None`` when the attempt is within ``rate`` (``(count, seconds)``).
    """
    limit, window = rate
    now = time.time()
    bucket = int(now // window)
    key = f"rate:{scope}:{ident}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((bucket + 1) * window - now))


def rate_ident(user, address):
    """Whom a rate limit counts: a signed-in ``user``, or a guest's ``address``."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{address or 'unknown'}"
