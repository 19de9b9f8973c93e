"""
The attackers' clients: plain HTTP, a browser without JavaScript, and a
WebSocket client over a bare socket.

They are deliberately low-level. ``http.client`` never follows a redirect, so
a form post's 303 (the site's acknowledgement) is seen as such; the bare
WebSocket client (``websockets``' sans-I/O protocol on a blocking socket) can
stop reading, send a frame over the limit or an empty one, and report the
close code the server sent, or that it sent none.
"""

import http.client
import http.cookies
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

HOST = "127.0.0.1"
TCP_ESTABLISHED = 1  # tcp_info.tcpi_state


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    def is_json_error(self, status):
        """The API's error shape: ``{"status": N, "code": ..., "detail": ...}``."""
        try:
            data = self.json()
        except ValueError:
            return False
        return self.status == status and isinstance(data, dict) and "detail" in data


def request(port, method, path, *, body=None, headers=None, source=None, timeout=30):
    """One HTTP request on a new connection; raise OSError if none comes back."""
    connection = http.client.HTTPConnection(
        HOST, port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        reply = connection.getresponse()
        return Reply(reply.status, reply.headers, reply.read())
    finally:
        connection.close()


class _Forms(HTMLParser):
    """Collect each ``<form method=post>``: its action, fields and hidden values."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = {"action": attrs.get("action"), "fields": {}}
            self.forms.append(self.current)
        elif (
            self.current is not None
            and tag in ("input", "textarea")
            and "name" in attrs
        ):
            hidden = (attrs.get("type") or "").lower() == "hidden"
            self.current["fields"][attrs["name"]] = (
                attrs.get("value", "") if hidden else ""
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


@dataclass
class Browser:
    """
    A browser with JavaScript off: keeps cookies, fills a page's form and
    posts it with every hidden field the page gave (the CSRF token, and any
    one-time key), as a person pressing the button would.
    """

    port: int
    source: str | None = None
    cookies: dict = field(default_factory=dict)

    def _send(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        reply = request(
            self.port, method, path, body=body, headers=headers, source=self.source
        )
        for header in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path):
        return self._send("GET", path)

    def form(self, path, field_name):
        """GET ``path``; return the fields of its post form that has ``field_name``."""
        reply = self.get(path)
        parser = _Forms()
        parser.feed(reply.body.decode(errors="replace"))
        for form in parser.forms:
            if field_name in form["fields"]:
                return dict(form["fields"])
        raise AssertionError(f"no form with a {field_name!r} field on {path}")

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, body, headers)

    def submit(self, path, field_name, **values):
        """Fill the form of ``path`` that has ``field_name`` and post it."""
        fields = {**self.form(path, field_name), **values}
        return fields, self.post(path, fields)


class Closed(Exception):
    """The server ended the connection; ``code`` is None when it sent no close."""

    def __init__(self, code, reason=""):
        super().__init__(f"closed with {code}" if code else "closed without a frame")
        self.code = code
        self.reason = reason


class RawSocket:
    """
    A WebSocket client on a blocking socket that does only what it is told:
    it reads when ``recv`` is called and at no other time.
    """

    def __init__(
        self, url, *, origin=None, cookie=None, rcvbuf=None, source=None, timeout=10
    ):
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        self.sock = socket.socket()
        if rcvbuf:
            # Before connect(): the window the server sees is the small one.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            # Another loopback address is another client to per-address limits.
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((HOST, parse_uri(url).port))
        handshake = self.protocol.connect()
        if origin:
            handshake.headers["Origin"] = origin
        if cookie:
            handshake.headers["Cookie"] = cookie
        self.protocol.send_request(handshake)
        self._flush()
        self.pending = []
        self.response = None
        while self.response is None:
            self._read()
        if self.protocol.handshake_exc is not None:
            self.sock.close()
            raise self.protocol.handshake_exc

    def _flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def _read(self):
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                self.response = event
            else:
                self.pending.append(event)
        try:
            self._flush()  # pongs and the closing handshake's answer
        except OSError:
            # A server that sent its close frame may be gone before the answer
            # reaches it: the close frame still came, and counts.
            if self.protocol.close_rcvd is None:
                raise
        if not data and self.response is None:
            raise InvalidHandshake("the server closed the connection")
        return bool(data)

    def send_frame(self, frame: Frame):
        if self.protocol.state is not State.OPEN:
            raise Closed(self.protocol.close_code)
        self.protocol.send_frame(frame)
        self._flush()

    def send_text(self, text):
        data = text.encode() if isinstance(text, str) else text
        self.send_frame(Frame(Opcode.TEXT, data))

    def send_json(self, value):
        self.send_text(json.dumps(value))

    def recv(self, timeout=10):
        """Return the next data frame's payload (text as ``str``); raise Closed."""
        deadline = time.monotonic() + timeout
        while True:
            while self.pending:
                frame = self.pending.pop(0)
                if frame.opcode == Opcode.TEXT:
                    return frame.data.decode()
                if frame.opcode == Opcode.BINARY:
                    return bytes(frame.data)
                if frame.opcode == Opcode.CLOSE:
                    close = Close.parse(frame.data)
                    raise Closed(close.code, close.reason)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no frame within {timeout} s")
            self.sock.settimeout(remaining)
            if not self._read() and not self.pending:
                raise Closed(None)  # EOF or reset, and no close frame before it

    def recv_json(self, timeout=10):
        return json.loads(self.recv(timeout))

    def drain(self, *, timeout):
        """
        Read everything the server queued: return ``("closed", code)`` when it
        sent a close frame, ``("dropped", None)`` when it ended the connection
        without one, and ``("open", frames)`` when it went quiet for
        ``timeout`` seconds with the connection still up.
        """
        frames = 0
        while True:
            try:
                self.recv(timeout)
                frames += 1
            except Closed as closed:
                return ("closed", closed.code) if closed.code else ("dropped", None)
            except TimeoutError:
                return "open", frames
            except OSError:
                return "dropped", None

    def server_closed(self):
        """True once the server ended the TCP connection, read or not (Linux)."""
        state = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        return state != TCP_ESTABLISHED

    def close(self):
        self.sock.close()
