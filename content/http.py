"""Small HTTP helpers shared by the project's views."""

from django.core.exceptions import BadRequest as DjangoBadRequest


class BadRequest(DjangoBadRequest):
    """A 400 whose message is shown to the user on the error page."""


def client_ip(request):
    """
    Return the client's address as the server saw it.

    Behind a proxy, daphne's ``--proxy-headers`` (``manage.py serve
    --proxy-headers``) puts the real client into the ASGI scope; a forged
    X-Forwarded-For sent straight to the site is never read here.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"
