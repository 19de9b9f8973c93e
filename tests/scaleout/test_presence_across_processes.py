"""
Presence on the Redis tier: two daphne processes share one room's presence, a
person with tabs on both counts once, and the people of a process killed with
kill -9 leave the list once its share expires (NETSITE_PRESENCE_TTL).
"""

import itertools
import json
import shutil
import signal
import tempfile
import time
import uuid

import pytest
from websockets.sync.client import connect

from tests.live import LiveServer
from tests.scaleout.test_live_across_processes import make_room

TTL = 3
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
FRAME_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def pair(postgres_server, redis_server):
    """Two processes, A and B, with a short presence TTL (a beat each second)."""
    workdir = tempfile.mkdtemp(prefix="netsite-presence-")
    env = {
        "DATABASE_URL": postgres_server.url,
        "REDIS_URL": redis_server.url,
        "NETSITE_PRESENCE_TTL": str(TTL),
    }
    servers = [
        LiveServer(env=env, workdir=workdir, name=name, proxy_headers=True)
        for name in ("daphne-A", "daphne-B")
    ]
    servers[0].migrate()
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def member_cookie(server):
    """Create a member and sign them in; return (username, session cookie)."""
    username = f"ada{uuid.uuid4().hex[:6]}"
    key = server.shell(
        "from django.contrib.auth.models import User\n"
        "from django.test import Client\n"
        f"user = User.objects.create_user({username!r})\n"
        "client = Client()\n"
        "client.force_login(user)\n"
        "print(client.cookies['sessionid'].value)\n"
    ).strip()
    return username, f"sessionid={key}"


def tab(server, slug, *, cookie=None, watch=False):
    """A room socket, a guest's from an address of its own unless ``cookie``."""
    headers = {"X-Forwarded-For": next(_addresses)}
    if cookie:
        headers["Cookie"] = cookie
    query = "?presence=1" if watch else ""
    return connect(
        server.url.replace("http://", "ws://") + f"/ws/chat/{slug}/{query}",
        additional_headers=headers,
        open_timeout=FRAME_TIMEOUT,
        proxy=None,
    )


def wait_presence(socket, members, guests, *, timeout=FRAME_TIMEOUT):
    """Return the presence frames received until one shows members and guests."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"no presence {members}, {guests}; got {seen!r}")
        frame = json.loads(socket.recv(timeout=remaining))
        if frame["type"] != "presence":
            continue
        seen.append(frame)
        if frame["members"] == members and frame["guests"] == guests:
            return seen


def test_a_person_with_tabs_on_both_processes_counts_once(pair):
    a, b = pair
    slug = make_room(a)
    username, cookie = member_cookie(a)
    with tab(b, slug, watch=True) as watcher:
        wait_presence(watcher, [], 1)
        with tab(b, slug, cookie=cookie):
            with tab(a, slug, cookie=cookie):
                wait_presence(watcher, [username], 1)
            # Still there through the tab on B: no frame drops them meanwhile.
            with tab(a, slug):
                seen = wait_presence(watcher, [username], 2)
            assert all(frame["members"] == [username] for frame in seen)
            seen = wait_presence(watcher, [username], 1)
        wait_presence(watcher, [], 1)


def test_the_people_of_a_killed_process_leave_within_the_ttl(pair):
    a, b = pair
    slug = make_room(a)
    username, cookie = member_cookie(a)
    with (
        tab(b, slug, watch=True) as watcher,
        tab(a, slug, cookie=cookie),
        tab(a, slug),
    ):
        wait_presence(watcher, [username], 2)
        a.process.send_signal(signal.SIGKILL)
        a.process.wait(10)
        killed = time.monotonic()
        wait_presence(watcher, [], 1, timeout=TTL * 4)
        # Gone by expiry: within the TTL and a beat or two.
        assert time.monotonic() - killed < TTL * 3
    a.start()  # for the module's other tests
