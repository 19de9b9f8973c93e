"""Origin checking for WebSocket handshakes."""

from channels.security.websocket import OriginValidator

from django.conf import settings
from django.http.request import is_same_domain


class SiteOriginValidator(OriginValidator):
    """
    Refuse a handshake whose ``Origin`` names a host outside ALLOWED_HOSTS.

    Browsers always send ``Origin``, so a page on another site cannot open a
    socket that rides on the visitor's session cookie (cross-site WebSocket
    hijacking). A handshake without ``Origin`` does not come from a browser
    page (a script, the terminal client) and carries no ambient credentials
    worth stealing, so it is let through, unlike Channels' stock validator.
    """

    def __init__(self, application):
        super().__init__(application, allowed_origins=None)

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        self.allowed_origins = settings.ALLOWED_HOSTS
        return self.validate_origin(parsed_origin)

    def match_allowed_origin(self, parsed_origin, pattern):
        # ALLOWED_HOSTS entries are hosts (".example.org", "*"), not origins:
        # compare the origin's host only, as Channels' AllowedHostsOriginValidator.
        host = parsed_origin.hostname
        if not host or parsed_origin.scheme not in ("http", "https"):
            return False
        if ":" in host:  # an IPv6 literal: ALLOWED_HOSTS writes it in brackets
            host = f"[{host}]"
        return is_same_domain(host, pattern)
