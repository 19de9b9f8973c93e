"""
Hostile frames and requests, one claim each, against a site with production
defaults (its own limits, rates and origin rules).

Every answer must be a refusal in the interface's own language: a JSON error
with a 4xx under ``/api/``, an HTTP status for a request too large to read,
an ``error`` frame (the socket stays open) or a documented close code on a
WebSocket. A 500, a dropped connection or a server that reads 300 MB into
memory fails the claim.
"""

import contextlib
import json
import math
import secrets
import select
import socket
import time

from websockets.exceptions import InvalidStatus
from websockets.frames import Frame, Opcode

from stress.clients import HOST, Browser, Closed, RawSocket, request
from stress.site import ADMIN, PASSWORD, ROOM

NAME = "abuse"
MB = 2**20
WS_LIMIT = 65536  # NETSITE_WS_MAX_MESSAGE's default, which this site runs with
MEMORY_LIMIT = 32 * MB  # RSS growth allowed while a huge body is refused


def _chat(site, **kwargs):
    return RawSocket(f"{site.ws_url}/ws/chat/{ROOM}/", **kwargs)


def _still_open(sock):
    """Send a good message; True when it is acknowledged (the socket lived)."""
    client_id = secrets.token_hex(8)
    try:
        sock.send_json(
            {"type": "message", "text": "still here", "client_id": client_id}
        )
        while True:
            frame = sock.recv_json(timeout=10)
            if frame["type"] == "ack" and frame["client_id"] == client_id:
                return True
    except (Closed, OSError, TimeoutError):
        return False


def _answer(sock):
    """The next frame that is not a room broadcast, as ``(type, code)``."""
    try:
        while True:
            frame = sock.recv_json(timeout=10)
            if frame["type"] != "message":
                return frame["type"], frame.get("code")
    except Closed as closed:
        return "close", closed.code
    except (OSError, TimeoutError) as error:
        return "nothing", type(error).__name__


def _status_line(sock, timeout):
    """Read an HTTP answer's status; None when the server sends none."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _raw_http(site, data, timeout=10):
    with socket.create_connection((HOST, site.port), timeout=timeout) as sock:
        # Refused mid-way (OSError): the answer, if any, is already there.
        with contextlib.suppress(OSError):
            sock.sendall(data)
        return _status_line(sock, timeout)


def _json_refusal(reply, *, statuses=(400,)):
    ok = reply.status in statuses and any(
        reply.is_json_error(status) for status in statuses
    )
    kind = reply.headers.get("Content-Type", "?").split(";")[0]
    return ok, f"{reply.status} {kind}"


# The claims -------------------------------------------------------------------


def too_many_query_parameters(site):
    """1,001 query parameters on GET /api/posts/ → 400 JSON"""
    query = "&".join(f"p{n}=1" for n in range(1001))
    return _json_refusal(request(site.port, "GET", f"/api/posts/?{query}"))


def deep_json(site):
    """10,000-deep JSON on POST /api/token/ → 400 JSON"""
    body = b"[" * 10000 + b"]" * 10000
    headers = {"Content-Type": "application/json"}
    reply = request(site.port, "POST", "/api/token/", body=body, headers=headers)
    return _json_refusal(reply)


def too_many_fields(site):
    """1,001 form fields on POST /api/token/ → 400 JSON"""
    body = "&".join(f"f{n}=1" for n in range(1001)).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    reply = request(site.port, "POST", "/api/token/", body=body, headers=headers)
    return _json_refusal(reply)


def too_many_files(site):
    """101 files in one multipart POST /api/token/ → 400 JSON"""
    boundary = "stress" + secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"; '
        f'filename="f{n}.txt"\r\nContent-Type: text/plain\r\n\r\nx\r\n'
        for n in range(101)
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    reply = request(site.port, "POST", "/api/token/", body=body, headers=headers)
    return _json_refusal(reply)


def lone_surrogate(site):
    """a lone surrogate "\\ud800" in a chat frame's text → error frame, socket open"""
    sock = _chat(site, source="127.0.0.4")
    try:
        # json.dumps writes the escape \ud800: valid UTF-8 on the wire.
        sock.send_json({"type": "message", "text": "a\ud800b", "client_id": "s-1"})
        answer = _answer(sock)
        alive = _still_open(sock)
    finally:
        sock.close()
    return answer[0] == "error" and alive, (
        f"answer {answer[0]} {answer[1]}, socket {'open' if alive else 'gone'}"
    )


def nul_characters(site):
    """NUL in a chat frame's text, name or client_id → error frame each, socket open"""
    answers = {}
    for field_name in ("text", "name", "client_id"):
        sock = _chat(site, source="127.0.0.5")
        try:
            frame = {
                "type": "message",
                "text": "nul",
                "client_id": secrets.token_hex(4),
            }
            frame[field_name] = "a\x00b"
            sock.send_json(frame)
            kind, code = _answer(sock)
            answers[field_name] = (kind, code, _still_open(sock))
        finally:
            sock.close()
    ok = all(kind == "error" and alive for kind, _, alive in answers.values())
    return ok, ", ".join(
        f"{name}: {kind} {code}, socket {'open' if alive else 'gone'}"
        for name, (kind, code, alive) in answers.items()
    )


def origin_on_another_port(site):
    """Origin from another port of the same host → WebSocket handshake refused"""
    results = {}
    for path in (f"/ws/chat/{ROOM}/", "/ws/echo/"):
        for label, port in (("same", site.port), ("other", site.port + 1)):
            try:
                RawSocket(site.ws_url + path, origin=f"http://{HOST}:{port}").close()
                results[(path, label)] = "accepted"
            except InvalidStatus as refused:
                results[(path, label)] = str(refused.response.status_code)
    others = [v for (_, label), v in results.items() if label == "other"]
    same = [v for (_, label), v in results.items() if label == "same"]
    ok = all(v != "accepted" for v in others) and all(v == "accepted" for v in same)
    return ok, f"other port: {', '.join(others)}; same origin: {', '.join(same)}"


def _lockout(site, path, username, source):
    browser = Browser(site.port, source=source)
    statuses = {}
    wrong = {"username": username, "password": "wrong"}
    for _ in range(50):
        _, reply = browser.submit(path, "password", **wrong)
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
    _, reply = browser.submit(path, "password", username=username, password=PASSWORD)
    me = json.loads(browser.get("/api/me/").body)
    locked = not me["authenticated"]
    shown = ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))
    return locked, (
        f"50 wrong: {shown}; then the right password: {reply.status}, "
        + ("still locked out" if locked else "signed in")
    )


def admin_lockout(site):
    """50 wrong passwords on /admin/login/ → locked out (the right one fails too)"""
    return _lockout(site, "/admin/login/", ADMIN, "127.0.0.2")


def accounts_lockout(site):
    """50 wrong passwords on /accounts/login/ → locked out (the right one fails too)"""
    return _lockout(site, "/accounts/login/", "stress-1", "127.0.0.3")


def chat_rate_across_reconnects(site):
    """reconnecting does not reset the chat rate (10 per 5 s by default)"""
    acked = 0
    started = time.monotonic()
    for _ in range(5):
        sock = _chat(site, source="127.0.0.6")
        try:
            for n in range(10):
                sock.send_json({"type": "message", "text": f"flood {n}"})
            for _ in range(10):
                acked += _answer(sock)[0] == "ack"
        finally:
            sock.close()
    elapsed = time.monotonic() - started
    allowed = 10 + math.ceil(elapsed * 10 / 5)  # the burst, then its refill
    return acked <= allowed, (
        f"{acked} of 50 stored over 5 connections in {elapsed:.1f} s "
        f"(the rate allows {allowed})"
    )


def logout_closes_sockets(site):
    """log out → the user's open chat socket is closed within a second"""
    browser = Browser(site.port, source="127.0.0.7")
    browser.submit(
        "/accounts/login/", "password", username="stress-2", password=PASSWORD
    )
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    sock = _chat(site, cookie=cookie, source="127.0.0.7")
    try:
        reply = browser.post(
            "/accounts/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"]}
        )
        state, code = sock.drain(timeout=1.5)
        if state != "open":
            return True, f"logout {reply.status}; socket {state} {code or ''}".strip()
        posted = _still_open(sock)
    finally:
        sock.close()
    return False, f"logout {reply.status}; socket open after 1.5 s" + (
        ", and a message sent on it was stored" if posted else ""
    )


def _huge_body(site, head, chunks, total):
    """
    Send ``head`` then up to ``total`` bytes of body from ``chunks``, watching
    for an early answer; return ``(status, bytes sent, RSS growth)``.
    """
    before = peak = site.rss()
    sent = 0
    with socket.create_connection((HOST, site.port), timeout=30) as sock:
        sock.sendall(head)
        time.sleep(0.5)  # a server that refuses by the headers answers now
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0] or sent >= total:
                break
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sent += len(chunk)
            peak = max(peak, site.rss())
        status = _status_line(sock, 10)
        for _ in range(10):  # the server may still be reading what was sent
            peak = max(peak, site.rss())
            time.sleep(0.2)
    return status, sent, peak - before


def _body_verdict(status, sent, growth):
    ok = status in (400, 413) and growth <= MEMORY_LIMIT
    return ok, (
        f"answer {status or 'none'} after {sent / MB:.0f} MB sent; "
        f"server RSS +{growth / MB:.0f} MB (limit {MEMORY_LIMIT // MB})"
    )


def declared_huge_body(site, total):
    head = (
        f"POST /board/ HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {300 * MB}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    ).encode()
    chunk = b"a" * MB
    return _body_verdict(*_huge_body(site, head, iter(lambda: chunk, None), total))


def chunked_huge_body(site, total):
    head = (
        f"POST /board/ HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    ).encode()
    chunk = f"{MB:x}\r\n".encode() + b"a" * MB + b"\r\n"
    return _body_verdict(*_huge_body(site, head, iter(lambda: chunk, None), total))


def oversized_frame(site):
    """a WebSocket frame over NETSITE_WS_MAX_MESSAGE → close 1009"""
    sock = RawSocket(f"{site.ws_url}/ws/echo/")
    try:
        try:
            sock.send_text("a" * (WS_LIMIT + 1))
            answer = sock.recv(timeout=10)
            result = f"echoed {len(answer):,} characters"
        except Closed as closed:
            result = f"close {closed.code}" if closed.code else "no close frame"
        except OSError as error:
            result = f"connection {type(error).__name__}"
    finally:
        sock.close()
    return result == "close 1009", result


def long_request_line(site):
    """a 100 KB request line → 414"""
    status = _raw_http(
        site, f"GET /?q={'a' * 100_000} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    )
    return status == 414, f"answer {status or 'none'}"


def long_header(site):
    """a 100 KB header → 431"""
    status = _raw_http(
        site,
        f"GET / HTTP/1.1\r\nHost: {HOST}\r\nX-Big: {'a' * 100_000}\r\n\r\n".encode(),
    )
    return status == 431, f"answer {status or 'none'}"


def chunked_api_post(site):
    """a chunked POST /api/posts/ → stored as sent, or 411"""
    text = f"chunked {secrets.token_hex(4)}"
    body = json.dumps({"body": text}).encode()
    half = len(body) // 2
    chunks = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n"
        for part in (body[:half], body[half:])
    )
    head = (
        f"POST /api/posts/ HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n"
        f"Authorization: Token {site.token(0)}\r\nContent-Type: application/json\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, site.port), timeout=10) as sock:
        sock.sendall(head + chunks + b"0\r\n\r\n")
        sock.settimeout(10)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None
    payload = data.partition(b"\r\n\r\n")[2]
    stored = status == 201 and text.encode() in payload
    return stored or status == 411, (
        f"answer {status or 'none'}"
        + (
            ", stored as sent"
            if stored
            else f": {payload[:100].decode(errors='replace')}"
        )
    )


def fast_sender(site, seconds):
    """
    A guest sends the largest frames allowed to ``/ws/board/`` (whose consumer
    ignores them) as fast as the socket takes them: the server must stop
    reading while its application is behind, so that the rest waits in the
    client's buffers, not in the server's memory.
    """
    frame = b"x" * (WS_LIMIT - 1024)
    sock = RawSocket(f"{site.ws_url}/ws/board/")
    before = peak = site.rss()
    sent = stalls = 0
    started = time.monotonic()
    try:
        sock.sock.settimeout(2)
        while time.monotonic() - started < seconds:
            try:
                sock.send_frame(Frame(Opcode.BINARY, frame))
            except TimeoutError:
                stalls += 1  # the server stopped reading for 2 s: TCP holds the rest
                break
            sent += len(frame)
            if sent % (4 * MB) < len(frame):
                peak = max(peak, site.rss())
        peak = max(peak, site.rss())
    finally:
        sock.close()
    growth = peak - before
    rate = sent / MB / max(time.monotonic() - started, 0.001)
    return growth <= MEMORY_LIMIT, (
        f"{sent / MB:.0f} MB sent in {time.monotonic() - started:.0f} s "
        f"({rate:.0f} MB/s{', then the server stopped reading' if stalls else ''}); "
        f"server RSS +{growth / MB:.0f} MB (limit {MEMORY_LIMIT // MB})"
    )


def empty_echo_frame(site):
    """an empty frame on /ws/echo/ → echoed (or documented on /lab/echo/)"""
    sock = RawSocket(f"{site.ws_url}/ws/echo/")
    try:
        sock.send_frame(Frame(Opcode.TEXT, b""))
        sock.send_text("after")
        first = sock.recv(timeout=10)
    finally:
        sock.close()
    if first == "":
        return True, "echoed"
    page = request(site.port, "GET", "/lab/echo/").body.decode(errors="replace")
    documented = "empty" in page.lower()
    return documented, "not echoed, " + (
        "documented on /lab/echo/" if documented else "and /lab/echo/ does not say so"
    )


def run(run):
    total = run.pick(64, 300) * MB
    flood = run.pick(10, 30)  # seconds
    claims = [
        too_many_query_parameters,
        deep_json,
        too_many_fields,
        too_many_files,
        lone_surrogate,
        nul_characters,
        origin_on_another_port,
        admin_lockout,
        accounts_lockout,
        (
            f"declared Content-Length 300 MB on POST /board/ → refused before "
            f"reading (up to {total // MB} MB sent)",
            lambda site: declared_huge_body(site, total),
        ),
        (
            f"a chunked body past the limit ({total // MB} MB) on POST /board/ → "
            "refused",
            lambda site: chunked_huge_body(site, total),
        ),
        oversized_frame,
        (
            f"frames of 63 KB sent as fast as the socket takes them, for "
            f"{flood} s → read no faster than handled, RSS bounded",
            lambda site: fast_sender(site, flood),
        ),
        long_request_line,
        long_header,
        chunked_api_post,
        empty_echo_frame,
        chat_rate_across_reconnects,
        logout_closes_sockets,
    ]
    with run.site("abuse") as site:
        for claim in claims:
            title, attack = (
                claim if isinstance(claim, tuple) else (claim.__doc__, claim)
            )
            run.progress(title)
            try:
                ok, figures = attack(site)
            except Exception as error:  # one broken claim must not hide the rest
                ok, figures = False, f"error: {error!r}"[:300]
            if not site.healthy():
                figures += "; the server stopped answering, restarted"
                ok = False
                site.restart()
            run.check(f"{NAME}: {title}", ok, figures)
