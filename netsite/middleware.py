"""Security headers that Django's SecurityMiddleware does not set."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

# Only the site's own scripts and styles: no inline script, no CDN. WebSockets
# go to the same host ('self' covers ws:/wss: of the page's own origin).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class SecurityHeadersMiddleware:
    """Add Content-Security-Policy and Permissions-Policy to every response.

    A view that needs a different policy sets the header itself; it is kept.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self._add_headers(self.get_response(request))

    async def __acall__(self, request):
        return self._add_headers(await self.get_response(request))

    @staticmethod
    def _add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
