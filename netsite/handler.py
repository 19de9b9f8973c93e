"""
Django's ASGI handler with the request's middleware and view run in far fewer
thread hops.

Nearly every middleware of the site is sync code (``MiddlewareMixin``,
Django's own and the libraries'). Under ASGI, Django builds an async chain,
and each of them then hops to a worker thread and back for its
``process_request`` and again for its ``process_response``: eighteen hops
a request, which cost more than rendering a cached page. Here the chain is
built in sync mode, as under WSGI, and run in one ``sync_to_async`` call in
the thread Django gives the request. Django adapts around what is async only:
ServeStatic's middleware (and the two above it) run on the event loop, the
rest of the chain in one hop below it; an async view is still awaited. Seven
hops a request instead of eighteen (tests/netsite/test_handler.py).
"""

from asgiref.sync import sync_to_async

from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler


class ASGIHandler(DjangoASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def get_asgi_application():
    """``django.core.asgi.get_asgi_application()``, with the handler above."""
    import django

    django.setup(set_prefix=False)
    return ASGIHandler()
