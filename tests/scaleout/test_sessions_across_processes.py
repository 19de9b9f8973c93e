"""
Sockets end with the session in every process: a logout on A closes the
user's socket on B, and deactivating the account from a management command
(a third process) closes its sockets on A and on B, each with 4401, within a
second, through Redis.
"""

import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.scaleout.test_live_across_processes import make_room
from tests.scaleout.test_shared_state import visitor

WITHIN = 1.0  # second: the promise in docs/protocol.md
SIGNED_OUT = 4401


def sign_up(server):
    """A new member signed in on ``server``; return their session and name."""
    client = visitor()
    username = f"member{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    status, _ = client.post_form(
        server.url + "/accounts/signup/",
        {"username": username, "password1": password, "password2": password},
    )
    assert status == 200
    return client, username


def open_socket(server, path, client):
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)
    return connect(
        server.url.replace("http://", "ws://") + path,
        additional_headers={"Cookie": cookie, **client.headers},
        open_timeout=10,
        proxy=None,
    )


def close_code_within(socket, seconds):
    """The code the server closes ``socket`` with, waiting ``seconds`` at most."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            socket.recv(timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        pytest.fail(f"still open {seconds} s later")
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def test_logging_out_on_a_closes_the_sessions_socket_on_b(cluster):
    a, b = cluster
    client, _ = sign_up(a)
    slug = make_room(a)
    with open_socket(b, f"/ws/chat/{slug}/", client) as socket:
        status, _ = client.post_form(a.url + "/accounts/logout/", {})
        assert status == 200  # the logged-out page, after the redirect
        assert close_code_within(socket, WITHIN) == SIGNED_OUT


def test_deactivating_from_a_command_closes_sockets_on_both_processes(cluster):
    a, b = cluster
    client, username = sign_up(a)
    slug = make_room(a)
    with (
        open_socket(a, f"/ws/chat/{slug}/", client) as on_a,
        open_socket(b, "/ws/board/", client) as on_b,
    ):
        a.shell(
            "from django.contrib.auth.models import User\n"
            f"user = User.objects.get(username={username!r})\n"
            "user.is_active = False\n"
            "user.save()\n"
        )
        assert close_code_within(on_a, WITHIN) == SIGNED_OUT
        assert close_code_within(on_b, WITHIN) == SIGNED_OUT
