"""Security headers that Django's SecurityMiddleware does not set."""

from django.utils.deprecation import MiddlewareMixin

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


class SecurityHeadersMiddleware(MiddlewareMixin):
    """Add Content-Security-Policy and Permissions-Policy to every response.

    A view that needs a different policy sets the header itself; it is kept.
    """

    def process_response(self, request, response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
