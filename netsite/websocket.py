"""
Origin checking for WebSocket handshakes.

A browser sends ``Origin`` with every WebSocket handshake, and the socket
carries the visitor's session cookie, so a page on any other origin could
otherwise post as the signed-in visitor (cross-site WebSocket hijacking). An
origin is scheme, host *and* port: ``http://localhost:9000`` is another site
than ``http://localhost:8000``, whatever their shared host name.

The rule is Django's CSRF origin check, applied to the handshake: the
``Origin`` must be the site's own origin as the ``Host`` header names it (a
host in ALLOWED_HOSTS, the scheme the request came in on), or one of
CSRF_TRUSTED_ORIGINS. Channels' ``OriginValidator`` does the matching.
"""

from channels.security.websocket import OriginValidator

from django.conf import settings
from django.http.request import split_domain_port, validate_host


def _header(scope, name):
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def _is_secure(scope):
    """Return whether the page was served over HTTPS, as Django's is_secure()."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        header = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        value = _header(scope, header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") in ("wss", "https")


def allowed_hosts():
    """ALLOWED_HOSTS, with the local names Django allows when debugging."""
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def site_origins(scope):
    """
    Return the origins a browser page may open this handshake from: the
    site's own, from ``Host`` (when ALLOWED_HOSTS accepts that host), and
    CSRF_TRUSTED_ORIGINS, written as Channels' patterns.
    """
    # Django writes a trusted subdomain wildcard https://*.example.org;
    # Channels writes the same pattern https://.example.org.
    origins = [
        origin.replace("://*.", "://.", 1) for origin in settings.CSRF_TRUSTED_ORIGINS
    ]
    host = _header(scope, b"host")
    if host:
        domain, port = split_domain_port(host)
        if (
            domain
            and not domain.startswith(".")
            and validate_host(domain, allowed_hosts())
        ):
            # An IPv6 domain keeps its brackets: "[::1]".
            scheme = "https" if _is_secure(scope) else "http"
            site = f"{scheme}://{domain}"
            origins.append(f"{site}:{port}" if port else site)
    return origins


class _HandshakeOriginValidator(OriginValidator):
    """Channels' validator, letting through a handshake without ``Origin``."""

    def valid_origin(self, parsed_origin):
        # No Origin: not a browser page (a script, the terminal client), so no
        # visitor's cookie is being ridden. Channels' own refuses these.
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


class SiteOriginValidator:
    """Refuse (HTTP 403) a handshake from a page that is not the site's own."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        validator = _HandshakeOriginValidator(self.application, site_origins(scope))
        return await validator(scope, receive, send)
