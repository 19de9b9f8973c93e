"""
WebSocket clients that misbehave on purpose, for tests against real servers.

``StalledReader`` opens a chat socket over a plain TCP socket with a small
receive buffer and then stops reading, like a frozen tab or a client on a
link that has gone quiet: whatever the server sends piles up on the server's
side. websockets' sans-I/O ``ClientProtocol`` does the handshake and, once the
test reads again, parses the frames, so that the test can see how the server
closed the connection.

``RoomFlood`` is a well-behaved client that posts large chat messages as fast
as the server acknowledges them and reads every frame it is sent.
"""

import asyncio
import contextlib
import json
import socket
import time

from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri


def rss_bytes(pid):
    """Resident memory of process ``pid``, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class StalledReader:
    """A WebSocket client that completes the handshake and then stops reading."""

    def __init__(self, url, *, receive_buffer=4096, timeout=10.0):
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        host, port = self.protocol.uri.host, self.protocol.uri.port
        self.sock = socket.socket()
        # Before connecting, so that the window the server sees stays small.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while not self._handshake_done():
            self._read_some()
        self.frames = []

    def _handshake_done(self):
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    raise self.protocol.handshake_exc
                return True
        return False

    def _flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def _read_some(self):
        data = self.sock.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        return data

    def send_text(self, text):
        """Send one text frame without reading anything."""
        self.protocol.send_text(text.encode())
        self._flush()

    def read_until_closed(self, *, timeout=20.0):
        """
        Read everything until the server closes; return the close frame it sent
        (``None`` if the connection ended without one).
        """
        deadline = time.monotonic() + timeout
        try:
            while self.protocol.close_rcvd is None:
                if time.monotonic() > deadline:
                    raise TimeoutError("the server never closed the connection")
                if not self._read_some():
                    break
                self.frames.extend(
                    frame
                    for frame in self.protocol.events_received()
                    if frame.opcode is Opcode.TEXT
                )
                self._flush()  # the answer to the close frame, once it came
        except ConnectionResetError:
            pass
        return self.protocol.close_rcvd

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


class RoomFlood:
    """
    Post ``text`` to a chat room over and over, keeping ``window`` messages
    unacknowledged at most, and read every frame the room sends back.
    """

    def __init__(self, url, *, text, window=20):
        self.url = url
        self.text = text
        self.window = window
        self.sent = 0
        self.acked = 0
        self.received = 0
        self.close_code = None

    async def run(self, stop):
        async with connect(
            # A local server: never through an http_proxy from the environment.
            self.url,
            max_size=None,
            open_timeout=20,
            proxy=None,
        ) as ws:
            room = asyncio.Semaphore(self.window)
            reader = asyncio.create_task(self._read(ws, room))
            try:
                while not stop.is_set() and not reader.done():
                    await room.acquire()
                    self.sent += 1
                    frame = {"type": "message", "text": self.text}
                    frame["client_id"] = f"flood-{self.sent}"
                    await ws.send(json.dumps(frame))
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await reader

    async def _read(self, ws, room):
        try:
            async for text in ws:
                frame = json.loads(text)
                if frame["type"] == "ack":
                    self.acked += 1
                    room.release()
                elif frame["type"] == "message":
                    self.received += 1
        except ConnectionClosed as closed:
            self.close_code = closed.rcvd.code if closed.rcvd else None
            raise
