"""
netsite's ASGI handler: the middleware chain and the view in a few thread hops.

Under Django's own ASGI handler every sync middleware (nearly all of the
site's) hops to a thread and back for each of its methods; netsite.handler
builds the chain in sync mode and runs it in one call.
"""

import asyncio
import threading

import pytest
from asgiref.sync import SyncToAsync
from channels.testing import HttpCommunicator

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler as DjangoASGIHandler
from django.test import override_settings

from netsite import asgi
from netsite.handler import ASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)

seen = []  # (where, thread id) of the last request


class ThreadNotingMiddleware:
    """Notes the thread it runs in, before and after the view."""

    sync_capable, async_capable = True, False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen.append(("request", threading.get_ident()))
        response = self.get_response(request)
        seen.append(("response", threading.get_ident()))
        return response


def request(app, path):
    communicator = HttpCommunicator(app, "GET", path, headers=[(b"host", b"localhost")])
    return asyncio.run(communicator.get_response(timeout=10))


def test_the_site_serves_http_through_netsites_handler():
    http = asgi.application.application_mapping["http"]
    assert isinstance(http, ASGIHandler)
    # A sync chain, run in one call.
    assert not asyncio.iscoroutinefunction(http._middleware_chain)


def test_middleware_and_view_run_in_one_thread_off_the_event_loop():
    middleware = [
        "tests.netsite.test_handler.ThreadNotingMiddleware",
        *settings.MIDDLEWARE,
        "tests.netsite.test_handler.ThreadNotingMiddleware",
    ]
    with override_settings(MIDDLEWARE=middleware):
        app = ASGIHandler()
        seen.clear()
        response = request(app, "/board/")
    assert response["status"] == 200
    assert b"<html" in response["body"]
    # The outermost and the innermost middleware, on both ways, in one thread.
    assert [where for where, _ in seen] == ["request"] * 2 + ["response"] * 2
    threads = {thread for _, thread in seen}
    assert len(threads) == 1
    assert threads != {threading.get_ident()}


def hops_of_one_request(app, monkeypatch):
    """How many times one request of ``/board/`` went to a thread and back."""
    calls = []
    original = SyncToAsync.__call__

    def counted(self, *args, **kwargs):
        calls.append(getattr(self.func, "__qualname__", repr(self.func)))
        return original(self, *args, **kwargs)

    request(app, "/board/")  # warm: what a first request sets up once
    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    assert request(app, "/board/")["status"] == 200
    return calls


def test_a_request_costs_a_few_thread_hops_not_one_per_middleware(monkeypatch):
    ours = hops_of_one_request(ASGIHandler(), monkeypatch)
    monkeypatch.undo()
    djangos = hops_of_one_request(DjangoASGIHandler(), monkeypatch)
    # Django's: one or two for each sync middleware. Ours: the chain;
    # ServeStatic (async only) takes what is below it to a thread once, and
    # the two above it hop as they would anyway; Django's signal and the
    # response's close.
    assert len(djangos) >= len(settings.MIDDLEWARE), djangos
    assert len(ours) <= 7, ours


def test_an_async_view_is_still_awaited():
    response = request(ASGIHandler(), "/healthz")
    assert response["status"] in (200, 503)
    assert response["body"].startswith(b"{")
