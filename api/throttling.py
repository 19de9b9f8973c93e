"""
Request rates per anonymous address and per account.

The counters are ``content.ratelimit``'s fixed windows in the default cache,
the same ones the board's flood control uses: an atomic increment, so every
daphne process sharing a Redis cache counts against one limit (DRF's own
throttles rewrite a list of timestamps, which concurrent processes
overwrite). Rates come from ``NETSITE_API_ANON_RATE`` and
``NETSITE_API_USER_RATE`` (``COUNT/SECONDS``), read at request time.

An anonymous client is its ``REMOTE_ADDR`` (``NUM_PROXIES = 0``): behind a
proxy, daphne's ``--proxy-headers`` puts the real address there, and a
forged ``X-Forwarded-For`` sent by the client never picks a fresh bucket.
"""

from rest_framework import throttling

from django.conf import settings

from content.http import client_ip
from content.ratelimit import check_rate


class _RateThrottle(throttling.BaseThrottle):
    scope = None
    setting = None

    def get_ident_key(self, request):
        raise NotImplementedError

    def allow_request(self, request, view):
        ident = self.get_ident_key(request)
        if ident is None:
            return True
        rate = getattr(settings, self.setting)
        self.retry_after = check_rate(f"api-{self.scope}", ident, rate=rate)
        return self.retry_after is None

    def wait(self):
        return self.retry_after


class AnonRateThrottle(_RateThrottle):
    """Limit anonymous callers per client address."""

    scope = "anon"
    setting = "NETSITE_API_ANON_RATE"

    def get_ident_key(self, request):
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request)


class UserRateThrottle(_RateThrottle):
    """Limit signed-in callers per account, wherever they call from."""

    scope = "user"
    setting = "NETSITE_API_USER_RATE"

    def get_ident_key(self, request):
        if request.user and request.user.is_authenticated:
            return str(request.user.pk)
        return None
