"""
The WebSocket handshake's Origin check, on the real ASGI application.

A page may open a socket only from the site's own origin (scheme, host and
port, as its Host header names it) or from CSRF_TRUSTED_ORIGINS.
"""

import pytest
from channels.testing import WebsocketCommunicator

from netsite.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def opens(*, origin=None, host="localhost:8000", extra=()):
    headers = [(b"host", host.encode())] if host else []
    if origin:
        headers.append((b"origin", origin.encode()))
    client = WebsocketCommunicator(application, "/ws/echo/", headers=[*headers, *extra])
    connected, _ = await client.connect()
    await client.disconnect()
    return connected


async def test_a_page_on_the_site_itself_opens_a_socket():
    assert await opens(origin="http://localhost:8000")


async def test_a_page_on_another_port_of_the_same_host_is_refused():
    assert not await opens(origin="http://localhost:9000")
    assert not await opens(origin="http://localhost")


async def test_a_page_served_over_another_scheme_is_refused():
    assert not await opens(origin="https://localhost:8000")


async def test_a_foreign_site_is_refused():
    assert not await opens(origin="http://evil.example:8000")


async def test_a_host_outside_allowed_hosts_is_refused_even_when_origin_matches():
    # DNS rebinding: evil.example resolves to this server, so Host and Origin
    # agree; ALLOWED_HOSTS is what tells the site's names from the attacker's.
    assert not await opens(origin="http://evil.example:8000", host="evil.example:8000")


async def test_an_origin_without_a_host_header_is_refused():
    assert not await opens(origin="http://localhost:8000", host=None)


async def test_a_handshake_without_origin_is_not_a_browser_page_and_opens():
    assert await opens(origin=None)


async def test_ipv6_hosts_compare_with_their_port(settings):
    assert await opens(origin="http://[::1]:8000", host="[::1]:8000")
    assert not await opens(origin="http://[::1]:8001", host="[::1]:8000")


async def test_csrf_trusted_origins_may_open_sockets(settings):
    settings.CSRF_TRUSTED_ORIGINS = [
        "https://netsite.example",
        "https://*.corp.example",
    ]
    assert await opens(origin="https://netsite.example")
    assert await opens(origin="https://chat.corp.example")
    assert not await opens(origin="https://netsite.example:8443")
    assert not await opens(origin="http://netsite.example")


async def test_behind_an_https_proxy_the_page_origin_is_https(settings):
    settings.ALLOWED_HOSTS = ["netsite.example"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    host = "netsite.example"
    assert await opens(origin="https://netsite.example", host=host, extra=proxied)
    assert not await opens(origin="http://netsite.example", host=host, extra=proxied)
