"""
daphne with the protocol limits a public site needs.

daphne speaks HTTP through Twisted: a ``WebRequest`` (a ``twisted.web``
request) collects the whole body, and only then does the ASGI application,
with Django's size limits, see any of it. Twisted's ``HTTPChannel`` drops a
connection whose request line or headers are too long without an answer, and
autobahn drops a WebSocket whose frame is too big instead of closing it.
netsite's server answers each in HTTP's and WebSocket's own terms:

- a body over ``NETSITE_MAX_BODY`` is refused with 413: at once when its
  ``Content-Length`` says so (before the client sends it), and as soon as a
  chunked body passes the limit. What was read is dropped, so no request can
  make the server hold more than that in memory or on disk;
- a request line over 16 KiB is a 414, headers over 16 KiB together a 431;
- a chunked request body, once read, gets the ``Content-Length`` it turned out
  to have, as RFC 9112 (7.1.3) has a recipient that decodes the chunked
  coding do: Django REST framework reads a request without one as empty;
- a WebSocket frame or message over ``NETSITE_WS_MAX_MESSAGE`` gets the close
  code 1009 (message too big), not a TCP reset;
- an empty WebSocket message is sent like any other (daphne skips them).

Refusals under ``/api/`` are JSON in the API's error shape; elsewhere a short
HTML page. The connection is then closed the way web servers close after an
error: the answer is sent, the sending side shut, and whatever the client is
still sending is read and dropped for a few seconds, so that the client reads
the answer instead of a reset.

**Slow readers.** daphne hands every frame an application sends to Twisted at
once, and Twisted keeps whatever the socket cannot take yet in memory, without
limit: a client that stops reading while its room is busy would make the
server grow until the client goes away. The channel layer already bounds what
waits *for* a consumer (``content.layers``); the WebSocket protocol here
bounds what waits *after* it. Twisted tells a transport's registered producer
when its write buffer passes its own threshold (64 KiB: ``pauseProducing``)
and when it has drained completely (``resumeProducing``). Each WebSocket
registers itself and counts the bytes it writes between the two; once they
pass ``NETSITE_WS_SEND_BUFFER``, the connection sends no more frames and
closes with 4409, as for a layer overflow: the client reconnects and resumes
with ``?after``. Its consumer is told at once (``websocket.disconnect``), so
it leaves its groups and nothing more is queued for it. The close frame waits
behind what is already queued; the connection is dropped if the client has
not read up to it within ``OVERFLOW_CLOSE_TIMEOUT``.

The other way round, daphne reads whatever a client sends and queues it for
the application without limit: a client sending large frames faster than its
consumer handles them would fill the server's memory just as well. Once
``MAX_INCOMING_FRAMES`` wait for the application, the server stops reading
from that client until half of them are handled, so that the rest waits in
the client's own buffers (TCP's flow control).

**Sending a room's events.** A chat message goes to every member of its
room. The ASGI way costs a task switch per member: the channel layer queues
the event, the member's consumer wakes, dispatches it and awaits ``send``.
Each WebSocket scope here carries an ASGI extension,
``content.layers.SEND_TEXT_NOW``: a plain function that writes a text frame
to that connection at once, through the same send-buffer bound as any other
frame, and returns False when the connection is not open. The channel layer
calls it for idle members instead of waking them (``content.layers``), and
the frame's bytes are built once for all the members a message goes to.

**Stopping.** On SIGTERM or Ctrl-C daphne cancels every application at once
and Twisted then drops every connection: WebSocket clients would see 1006
with no close frame, and a request in the middle of its write would lose its
response. This server first stops listening, sends every open WebSocket a
1001 ("going away") close frame, and waits up to ``SHUTDOWN_TIMEOUT`` seconds
for requests in flight to finish and sockets to close before daphne's own
shutdown runs. Requests that arrive meanwhile on open keep-alive connections
are still answered, each with ``Connection: close``.
"""

import asyncio
import json
import logging
import time
from functools import partial
from html import escape

from daphne import http_protocol, ws_protocol
from daphne.server import Server as DaphneServer
from twisted.internet import defer, reactor, tcp
from twisted.web import http

from django.conf import settings

from api.exceptions import TOO_LARGE, error_body
from content.layers import SEND_TEXT_NOW, Inbox

logger = logging.getLogger("netsite.server")

API_PREFIX = b"/api/"
# How long a refused connection keeps reading (and dropping) what the client
# still sends, so that the client sees the answer rather than a reset.
LINGER_SECONDS = 5.0
# Close codes (docs/protocol.md): the server is stopping; a socket fell
# behind (as content.layers.CLOSE_OVERFLOW).
CLOSE_GOING_AWAY = 1001
CLOSE_FELL_BEHIND = 4409
# How long a connection closed for a full send buffer may take to read up to
# the close frame before it is dropped.
OVERFLOW_CLOSE_TIMEOUT = 30
# Frames from a client that may wait for its application before the server
# stops reading from the client (as the websockets library's max_queue).
MAX_INCOMING_FRAMES = 16
# How long a stop waits for requests in flight and closing sockets.
SHUTDOWN_TIMEOUT = 5.0

REASONS = {
    400: "Bad Request",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
}


def refusal(status, code, detail, *, api):
    """Return the bytes of an HTTP error response that closes the connection."""
    reason = REASONS[status]
    if api:
        body = json.dumps(error_body(status, code, detail)).encode()
        content_type = b"application/json"
    else:
        body = (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{status} {reason} · netsite</title></head><body>"
            f"<h1>{status} · {reason}</h1><p>{escape(detail)}</p>"
            f'<p><a href="/">Go to the home page</a></p></body></html>\n'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    head = [
        b"HTTP/1.1 %d %s" % (status, reason.encode()),
        b"Content-Type: " + content_type,
        b"Content-Length: %d" % len(body),
        b"X-Content-Type-Options: nosniff",
        b"Connection: close",
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class HTTPChannel(http.HTTPChannel):
    """Twisted's HTTP/1.1 connection, answering what it would otherwise drop."""

    max_body = None  # set by HTTPFactory
    refused = False
    _linger_call = None

    def _reading_request_line(self):
        # Twisted keeps the parsed request line in _command until the request
        # is complete; before it is parsed there is none.
        return not hasattr(self, "_command")

    def refuse(self, status, code, detail, *, method=None, target=None):
        """Answer ``status`` and close, dropping whatever else the client sends."""
        if self.refused:
            return
        self.refused = True
        method = method or getattr(self, "_command", b"-")
        target = target or getattr(self, "_path", b"")
        self.transport.write(
            refusal(status, code, detail, api=target.startswith(API_PREFIX))
        )
        self._log(status, method, target)
        # No request of this connection reaches the application: take them
        # from daphne's books now, as a lost connection would.
        for request in self.requests:
            request.server.protocol_disconnected(request)
        self.requests = []
        self._buffer = b""  # LineReceiver's unparsed bytes
        self.setTimeout(None)
        self.transport.loseWriteConnection()
        self._linger_call = self.callLater(LINGER_SECONDS, self._stop_lingering)

    def _log(self, status, method, target):
        server = self.factory.server
        peer = self.transport.getPeer()
        try:
            server.log_action(
                "http",
                "complete",
                {
                    "method": method[:20].decode("latin1"),
                    "path": target[:200].decode("latin1"),
                    "status": status,
                    "client": f"{peer.host}:{peer.port}",
                    "time_taken": 0.0,
                },
            )
        except Exception:  # logging must never break the connection
            logger.exception("could not log a refused request")

    def _stop_lingering(self):
        self._linger_call = None
        self.transport.abortConnection()

    def dataReceived(self, data):
        if self.refused:
            return  # lingering: read and drop
        super().dataReceived(data)

    def lineReceived(self, line):
        if self.refused:
            return
        if self._receivedHeaderSize + len(line) > self.totalHeadersSize:
            self._refuse_oversized_head(line)
            return
        super().lineReceived(line)

    def lineLengthExceeded(self, line):
        # Twisted's LineReceiver drops the connection without a word.
        self._refuse_oversized_head(line)

    def _refuse_oversized_head(self, data):
        limit = self.totalHeadersSize
        if self._reading_request_line():
            method, _, rest = data.partition(b" ")
            self.refuse(
                414,
                "uri_too_long",
                f"The request line is longer than {limit:,} bytes: shorten the "
                "address or its query string.",
                method=method,
                target=rest.partition(b" ")[0],
            )
        else:
            self.refuse(
                431,
                "headers_too_large",
                f"The request headers are larger than {limit:,} bytes together: "
                "send fewer or shorter headers (cookies count too).",
            )

    def allHeadersReceived(self):
        # Before Twisted answers "Expect: 100-continue": a client that asked
        # first is told no before it sends a byte of its body.
        if self.length is not None and self.length > self.max_body:
            self.refuse_body()
            return
        super().allHeadersReceived()

    def refuse_body(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.refuse(413, "too_large", TOO_LARGE.format(limit=limit))

    def rawDataReceived(self, data):
        if self.refused:
            return
        super().rawDataReceived(data)

    def allContentReceived(self):
        if self.refused:
            return
        super().allContentReceived()

    def _respondToBadRequestAndDisconnect(self):
        # Twisted's own answer is a bare "400 Bad Request" with no body.
        self.refuse(400, "bad_request", "The request is not valid HTTP/1.1.")

    def connectionLost(self, reason):
        if self._linger_call is not None and self._linger_call.active():
            self._linger_call.cancel()
        super().connectionLost(reason)


class WebRequest(http_protocol.WebRequest):
    """daphne's request, counting its body against the channel's limit."""

    body_length = 0

    def handleContentChunk(self, data):
        if self.channel is None or self.channel.refused:
            return
        self.body_length += len(data)
        if self.body_length > self.channel.max_body:
            self.channel.refuse_body()
            return
        super().handleContentChunk(data)

    def process(self):
        if self.requestHeaders.hasHeader(b"transfer-encoding"):
            # The whole body has been read: say how long it was, as a proxy
            # that removes the chunked coding does, so that Django and DRF
            # read it instead of taking the request for an empty one.
            self.requestHeaders.removeHeader(b"transfer-encoding")
            self.requestHeaders.setRawHeaders(
                b"content-length", [b"%d" % self.body_length]
            )
        return super().process()


class HTTPFactory(http_protocol.HTTPFactory):
    def __init__(self, server, *, max_body):
        super().__init__(server)
        self.max_body = max_body

    def protocol(self):
        # Twisted wraps its channel in a proxy that can switch to HTTP/2 after
        # TLS negotiation; daphne here serves plain TCP, so the channel itself.
        channel = HTTPChannel()
        channel.max_body = self.max_body
        return channel

    def buildProtocol(self, addr):
        channel = super().buildProtocol(addr)
        channel.requestFactory = WebRequest
        return channel


_last_text = _last_frame = None


def text_frame(text):
    """
    Return the bytes of an unfragmented server-to-client text frame of
    ``text`` (RFC 6455, 5.2: FIN, opcode 1, no mask).

    A room's event is one ``str`` object handed to each member in turn, so the
    last frame built is kept and reused while the same object comes again.
    """
    global _last_text, _last_frame  # noqa: PLW0603 (a one-entry cache)
    if text is _last_text:
        return _last_frame
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 65536:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    _last_text, _last_frame = text, head + payload
    return _last_frame


class WebSocketProtocol(ws_protocol.WebSocketProtocol):
    """daphne's WebSocket protocol, patient with oversized frames, sending
    empty messages as well, and with a bounded send buffer."""

    # Bytes written while the transport's buffer was over its threshold.
    _paused = False
    _queued = 0
    # Reading from the client stopped while the application catches up.
    _reading_paused = False

    def connectionMade(self):
        super().connectionMade()
        # The upgraded connection still has daphne's HTTP channel registered
        # as the transport's producer; this connection is what writes now.
        self.transport.unregisterProducer()
        self.transport.registerProducer(self, True)

    # IPushProducer: Twisted's signals about the transport's write buffer.

    def pauseProducing(self):
        # Called on every write while the buffer is over its threshold.
        if not self._paused:
            self._paused = True
            self._queued = 0

    def resumeProducing(self):
        # The buffer is empty again.
        self._paused = False
        self._queued = 0

    def stopProducing(self):
        pass

    def serverSend(self, content, binary=False):
        if self.state in (self.STATE_CLOSING, self.STATE_CLOSED):
            # Nothing more goes out after the close frame; the client resumes.
            return
        if self._paused:
            self._queued += len(content) if binary else len(content.encode())
            if self._queued > self.server.websocket_send_buffer:
                self.close_fell_behind()
                return
        super().serverSend(content, binary)

    def send_text_now(self, text):
        """
        Write a text frame now, outside the application's ``send`` (the ASGI
        extension ``SEND_TEXT_NOW``); return False if the socket is not open.
        """
        if self.state != self.STATE_OPEN:
            return False
        frame = text_frame(text)
        if self._paused:
            self._queued += len(frame)
            if self._queued > self.server.websocket_send_buffer:
                self.close_fell_behind()
                return True
        self._write_now(frame)
        return True

    def _write_now(self, data):
        """
        Write ``data`` to the socket now if nothing waits before it, else
        through Twisted's buffer.

        Twisted's ``write`` always buffers and asks the event loop to say when
        the socket is writable: two ``epoll_ctl`` calls and a loop turn per
        frame, most of what a delivery costs in a large room. A socket with
        nothing buffered is writable at once; what it does not take is
        buffered as usual.
        """
        transport = self.transport
        if (
            type(transport) is not tcp.Server  # plain TCP (no TLS layer)
            or not transport.connected
            or transport.disconnecting
            or transport._tempDataLen
            or transport.offset != len(transport.dataBuffer)
        ):
            transport.write(data)
            return
        try:
            sent = transport.socket.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            sent = 0  # Twisted's own write finds the error and closes
        if sent < len(data):
            transport.write(data[sent:])

    def close_fell_behind(self):
        """Close with 4409 and tell the application now, not after the close."""
        client = self.client_addr
        logger.warning(
            "websocket send buffer full: %s closed with %d",
            self.path.decode("ascii", "replace"),
            CLOSE_FELL_BEHIND,
            extra={
                "client": f"{client[0]}:{client[1]}" if client else None,
                "limit": self.server.websocket_send_buffer,
            },
        )
        self.closeHandshakeTimeout = OVERFLOW_CLOSE_TIMEOUT
        self.serverClose(code=CLOSE_FELL_BEHIND)
        if not self.muted and hasattr(self, "application_queue"):
            # Muted: daphne sends no second disconnect and drops what the
            # client still sends.
            self.muted = True
            self.application_queue.put_nowait(
                {"type": "websocket.disconnect", "code": CLOSE_FELL_BEHIND}
            )

    def onMessage(self, payload, isBinary):
        super().onMessage(payload, isBinary)
        queue = getattr(self, "application_queue", None)
        if (
            not self._reading_paused
            and queue is not None
            and queue.qsize() >= MAX_INCOMING_FRAMES
        ):
            # The application is behind: stop reading, so that what the client
            # sends waits in its own buffers, not in this process.
            self._reading_paused = True
            self.transport.pauseProducing()
            self._resume_reading_when_drained()

    def _resume_reading_when_drained(self):
        if self.state == self.STATE_CLOSED:
            return
        if self.application_queue.qsize() > MAX_INCOMING_FRAMES // 2:
            reactor.callLater(0.05, self._resume_reading_when_drained)
            return
        self._reading_paused = False
        self.transport.resumeProducing()

    def go_away(self):
        """Close with 1001: the server is stopping."""
        if self.state == self.STATE_OPEN:
            # autobahn's sendClose() only takes 1000 and 3000-4999.
            self.sendCloseFrame(code=CLOSE_GOING_AWAY, isReply=False)

    def _max_message_size_exceeded(self, msg_size, max_msg_size, reason):
        # autobahn answers with close 1009 and drops the connection if the
        # client has not answered the close within closeHandshakeTimeout (1 s).
        # A client still sending the rest of its oversized frame cannot answer
        # before it is done, and the drop would discard the 1009 unread: give
        # it the time an HTTP refusal gets, while what it sends is dropped.
        self.closeHandshakeTimeout = LINGER_SECONDS
        super()._max_message_size_exceeded(msg_size, max_msg_size, reason)

    def handle_reply(self, message):
        # daphne tests ``if message.get("text")``, which skips "" and b"";
        # ASGI only asks that exactly one of the two keys is not None.
        if message.get("type") == "websocket.send" and self.state == self.STATE_OPEN:
            text, data = message.get("text"), message.get("bytes")
            if text is not None and data is not None:
                raise ValueError(
                    "A websocket.send message has text or bytes, not both."
                )
            if data is not None:
                self.serverSend(data, True)
            elif text is not None:
                self.serverSend(text, False)
            return
        super().handle_reply(message)


class Server(DaphneServer):
    """
    daphne's server with netsite's protocol classes and a graceful stop.

    ``Server.run()`` creates its HTTP and WebSocket factories by assigning
    ``http_factory`` and ``ws_factory``; these setters put netsite's classes
    in at that moment, so the rest of ``run()`` (endpoints, timers, signal
    handling) stays daphne's own.
    """

    def __init__(
        self,
        *args,
        max_body,
        websocket_send_buffer,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.max_body = max_body
        self.websocket_send_buffer = websocket_send_buffer
        self.shutdown_timeout = shutdown_timeout
        self.ports = []
        self.draining = False

    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, daphne_factory):
        self._http_factory = HTTPFactory(self, max_body=self.max_body)

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory):
        factory.protocol = WebSocketProtocol
        # autobahn's default is to drop the TCP connection on a failure (a
        # frame over the size limit, invalid UTF-8); a close frame with the
        # reason's code (1009, 1007, 1002) tells the client what happened.
        factory.setProtocolOptions(failByDrop=False)
        self._ws_factory = factory

    def listen_success(self, port):
        self.ports.append(port)
        super().listen_success(port)

    def kill_all_applications(self):
        # daphne runs this before Twisted's shutdown; drain first.
        drained = defer.Deferred.fromFuture(asyncio.ensure_future(self.drain()))
        drained.addErrback(lambda failure: logger.error("drain failed: %s", failure))
        drained.addCallback(lambda _: super(Server, self).kill_all_applications())
        return drained

    def create_application(self, protocol, scope):
        if self.draining and scope["type"] == "http":
            _close_after_response(protocol)
        if scope["type"] == "websocket" and isinstance(protocol, WebSocketProtocol):
            scope["extensions"] = {
                **(scope.get("extensions") or {}),
                SEND_TEXT_NOW: protocol.send_text_now,
            }
            return self._start_websocket_application(protocol, scope)
        return super().create_application(protocol, scope)

    def _start_websocket_application(self, protocol, scope):
        """
        daphne's ``create_application`` with an ``Inbox`` for what the client
        sends instead of an ``asyncio.Queue``: a WebSocket may stay open and
        idle for hours, by the thousand.
        """
        assert "application_instance" not in self.connections[protocol]
        inbox = Inbox()
        scope.setdefault("asgi", {"version": "3.0"})
        instance = self.application(
            scope=scope, receive=inbox.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            instance
        )
        return inbox

    async def drain(self):
        """Stop listening, close sockets with 1001, wait for what is in flight."""
        self.draining = True
        for port in self.ports:
            port.stopListening()
        for protocol in list(self.connections):
            if isinstance(protocol, WebSocketProtocol):
                protocol.go_away()
            elif isinstance(protocol, WebRequest) and not protocol.finished:
                _close_after_response(protocol)
        deadline = time.monotonic() + self.shutdown_timeout
        while self._busy():
            if time.monotonic() > deadline:
                logger.warning(
                    "stopping with connections still open",
                    extra={"open": sum(1 for _ in self._open())},
                )
                return
            await asyncio.sleep(0.05)
        # One more turn of the loop for the last responses to reach the sockets.
        await asyncio.sleep(0.1)

    def _open(self):
        for details in self.connections.values():
            instance = details.get("application_instance")
            if "disconnected" not in details or (instance and not instance.done()):
                yield details

    def _busy(self):
        return any(True for _ in self._open())


def _close_after_response(request):
    """
    Make ``request``'s connection close once it is answered, so that a client
    with a keep-alive connection cannot keep a stopping server busy.
    """
    channel = getattr(request, "channel", None)  # gone once it is answered
    if channel is not None:
        channel.persistent = False
    if not request.startedWriting:
        request.responseHeaders.setRawHeaders(b"connection", [b"close"])
