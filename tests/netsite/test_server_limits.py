"""
Hostile HTTP and WebSocket input against a real ``manage.py serve`` process.

Every refusal must be an answer in the protocol's own terms (413, 414, 431,
close 1009), arrive before the server has read what it refuses, and leave the
server's memory where it was; client errors must not be logged as errors.
"""

import contextlib
import http.client
import json
import select
import shutil
import socket
import tempfile
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.live import HttpSession, LiveServer

WS_LIMIT = 2048
MAX_BODY = 1024 * 1024  # NETSITE_MAX_BODY's default
MB = 1024 * 1024


@pytest.fixture(scope="module")
def workdir():
    path = tempfile.mkdtemp(prefix="netsite-limits-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def server(workdir):
    server = LiveServer(
        env={
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            "NETSITE_WS_MAX_MESSAGE": str(WS_LIMIT),
        },
        workdir=workdir,
    )
    server.migrate()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(server):
    return server.shell(
        "from django.contrib.auth.models import User\n"
        "from rest_framework.authtoken.models import Token\n"
        "user = User.objects.create_user('ada', password='correct horse 1')\n"
        "print(Token.objects.create(user=user).key)"
    ).strip()


def rss_mb(server):
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def exchange(server, head, *, timeout=10):
    """Send ``head`` (bytes) alone and return the whole answer, or raise."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        s.sendall(head)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer


def parse(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return status, headers, body


def request_head(method, path, **headers):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def errors_logged(server):
    lines = server.log_path.read_text(errors="replace").splitlines()
    return [
        line
        for line in lines
        if '"level": "error"' in line or '"level": "critical"' in line
    ]


# Request bodies ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/posts/", "application/json"), ("/board/", "text/html")],
)
def test_a_declared_300_mb_body_is_refused_before_it_is_sent(
    server, path, content_type
):
    before = rss_mb(server)
    started = time.monotonic()

    answer = exchange(
        server,
        request_head(
            "POST",
            path,
            Content_Type="application/json",
            Content_Length=300 * MB,
        ),
    )

    status, headers, body = parse(answer)
    assert status == 413
    assert time.monotonic() - started < 5
    assert headers["Content-Type"].startswith(content_type)
    assert headers["Connection"] == "close"
    if content_type == "application/json":
        error = json.loads(body)
        assert error["code"] == "too_large"
        assert "262,144 bytes" in error["detail"]
    else:
        assert b"413" in body and b"too large" in body
    assert rss_mb(server) - before < 5


def test_a_client_that_asks_first_gets_413_instead_of_100_continue(server):
    answer = exchange(
        server,
        request_head(
            "POST", "/api/posts/", Content_Length=300 * MB, Expect="100-continue"
        ),
    )

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer


def test_a_300_mb_body_sent_anyway_is_dropped_unread(server):
    before = rss_mb(server)
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
        s.sendall(request_head("POST", "/api/posts/", Content_Length=300 * MB))
        chunk = b"x" * MB
        answer = b""
        try:
            for _ in range(300):
                s.sendall(chunk)
                if select.select([s], [], [], 0)[0]:
                    answer += s.recv(65536)
        except OSError:
            pass  # the server stopped listening to the rest: the point
        try:
            while part := s.recv(65536):
                answer += part
        except OSError:
            pass

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert rss_mb(server) - before < 10


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(server, token):
    before = rss_mb(server)
    sent = 0
    answered_after = None
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
        s.sendall(
            request_head(
                "POST",
                "/api/posts/",
                Authorization=f"Token {token}",
                Content_Type="application/json",
                Transfer_Encoding="chunked",
            )
        )
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
        try:
            while sent < 64 * MB and answered_after is None:
                s.sendall(chunk)
                sent += 64 * 1024
                if select.select([s], [], [], 0)[0]:
                    answered_after = sent
        except OSError:
            answered_after = answered_after or sent
        answer = s.recv(65536)

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    # Answered once the limit was passed, not after the whole 64 MB (what is
    # in flight in the sockets' buffers comes on top of the limit).
    assert answered_after is not None and answered_after < 16 * MB
    assert rss_mb(server) - before < 10


def test_a_chunked_api_post_is_read_and_stored(server, token):
    payload = json.dumps({"body": "sent in chunks"}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/posts/",
            body=iter([payload[:10], payload[10:]]),
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
            },
            encode_chunked=True,
        )
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()

    assert response.status == 201, body
    assert body["body"] == "sent in chunks"


def test_a_body_under_the_limit_still_gets_djangos_own_answer(server, token):
    # Between Django's limit (256 KiB) and the server's, Django answers.
    payload = json.dumps({"body": "x" * (300 * 1024)}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/posts/",
            body=payload,
            headers={
                "Authorization": f"Token {token}",
                "Content-Type": "application/json",
            },
        )
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()

    assert response.status == 413
    assert body["code"] == "too_large"


# Request line and headers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/posts/", "application/json"), ("/board/", "text/html")],
)
def test_a_100_kb_request_line_is_a_414(server, path, content_type):
    answer = exchange(server, request_head("GET", f"{path}?q={'a' * 100_000}"))

    status, headers, body = parse(answer)
    assert status == 414
    assert headers["Content-Type"].startswith(content_type)
    assert b"16,384 bytes" in body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/posts/", "application/json"), ("/board/", "text/html")],
)
def test_a_100_kb_header_is_a_431(server, path, content_type):
    answer = exchange(server, request_head("GET", path, X_Big="a" * 100_000))

    status, headers, body = parse(answer)
    assert status == 431
    assert headers["Content-Type"].startswith(content_type)
    if content_type == "application/json":
        assert json.loads(body)["code"] == "headers_too_large"


def test_many_headers_adding_up_past_the_limit_are_a_431(server):
    many = {f"X_Header_{n}": "v" * 100 for n in range(300)}
    answer = exchange(server, request_head("GET", "/board/", **many))

    assert parse(answer)[0] == 431


def test_the_server_goes_on_serving_after_refusals(server):
    assert server.healthy()


# Client errors Django finds -----------------------------------------------------


def test_hostile_forms_and_queries_are_400s_and_log_no_error(server):
    fields = "&".join(f"f{n}=1" for n in range(1001))
    deep = "[" * 10_000 + "]" * 10_000
    browser = HttpSession()
    answers = {
        "query": HttpSession().get(f"{server.url}/api/posts/?{fields}")[0],
        "form": browser.post_form(
            f"{server.url}/accounts/login/", dict.fromkeys(fields.split("&"), "1")
        )[0],
    }
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/token/",
            body=deep,
            headers={"Content-Type": "application/json"},
        )
        answers["deep json"] = connection.getresponse().status
    finally:
        connection.close()

    assert answers == {"query": 400, "form": 400, "deep json": 400}
    assert errors_logged(server) == []
    assert "Traceback" not in server.log_path.read_text()


# WebSockets --------------------------------------------------------------------


def test_a_websocket_frame_over_the_limit_is_closed_with_1009(server):
    url = f"ws://127.0.0.1:{server.port}/ws/echo/"
    with connect(url, open_timeout=10) as ws:
        ws.send("a" * 1000)
        assert ws.recv(timeout=10) == "a" * 1000
        ws.send("b" * (WS_LIMIT + 1000))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)

    assert closed.value.rcvd is not None, "no close frame: the server reset"
    assert closed.value.rcvd.code == 1009
    # Only that connection is gone.
    with connect(url, open_timeout=10) as ws:
        ws.send("still here")
        assert ws.recv(timeout=10) == "still here"


def test_a_20_mb_frame_is_closed_with_1009_and_not_buffered(server):
    before = rss_mb(server)
    with connect(f"ws://127.0.0.1:{server.port}/ws/echo/", open_timeout=10) as ws:
        # It may close while this is still sending: it does not wait for it.
        with contextlib.suppress(ConnectionClosed):
            ws.send(b"x" * 20 * MB)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert rss_mb(server) - before < 10


def test_a_message_over_the_limit_in_small_fragments_is_closed_with_1009(server):
    with connect(f"ws://127.0.0.1:{server.port}/ws/echo/", open_timeout=10) as ws:
        ws.send(iter(["c" * 1000] * 3))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_the_echo_socket_echoes_empty_frames(server):
    with connect(f"ws://127.0.0.1:{server.port}/ws/echo/", open_timeout=10) as ws:
        ws.send("")
        assert ws.recv(timeout=10) == ""
        ws.send(b"")
        assert ws.recv(timeout=10) == b""
        ws.send("after the empty ones")
        assert ws.recv(timeout=10) == "after the empty ones"


def test_invalid_utf8_in_a_text_frame_is_closed_with_1007(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(
            request_head(
                "GET",
                "/ws/echo/",
                Upgrade="websocket",
                Connection="Upgrade",
                Sec_WebSocket_Key="dGhlIHNhbXBsZSBub25jZQ==",
                Sec_WebSocket_Version="13",
            )
        )
        handshake = b""
        while b"\r\n\r\n" not in handshake:
            handshake += s.recv(4096)
        assert handshake.startswith(b"HTTP/1.1 101")
        # A final text frame, masked with a zero key, holding the byte 0xFF.
        s.sendall(bytes([0x81, 0x80 | 1, 0, 0, 0, 0, 0xFF]))
        frame = s.recv(4096)

    assert frame[0] == 0x88, frame  # a close frame, not a reset
    assert int.from_bytes(frame[2:4], "big") == 1007


def test_a_page_on_another_port_of_the_same_host_cannot_open_a_socket(server):
    url = f"ws://127.0.0.1:{server.port}/ws/echo/"
    with connect(url, origin=f"http://127.0.0.1:{server.port}", open_timeout=10):
        pass
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin=f"http://127.0.0.1:{server.port + 1}", open_timeout=10)

    assert refused.value.response.status_code == 403


# Login lockout across processes -----------------------------------------------


def test_a_lockout_on_one_process_holds_on_another(server, workdir):
    other = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3"},
        workdir=workdir,
        name="daphne-B",
    )
    other.start()
    try:
        server.shell(
            "from django.contrib.auth.models import User\n"
            "User.objects.create_user('grace', password='right pass 1')"
        )
        browser = HttpSession()
        form = {"username": "grace", "password": "wrong"}
        statuses = [
            browser.post_form(f"{server.url}/accounts/login/", form)[0]
            for _ in range(5)
        ]
        form["password"] = "right pass 1"
        status, page = HttpSession().post_form(f"{other.url}/accounts/login/", form)
    finally:
        other.stop()

    assert statuses == [200] * 4 + [429]
    assert status == 429
    assert "Too many failed logins" in page


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_built_once_parses_as_the_same_text(length):
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    from netsite.server import text_frame

    text = "é" * (length // 2) + "a" * (length % 2)
    other = "b" * len(text)  # another object right after: not the cached frame
    for value in (text, text, other):
        reader = StreamReader()
        reader.feed_data(text_frame(value))
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            frame = done.value
        assert frame.opcode is Opcode.TEXT and frame.fin
        assert frame.data.decode() == value
