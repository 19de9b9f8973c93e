"""
SIGTERM under write load, on a real ``manage.py serve``, ten times over.

API clients post to the board and WebSocket clients chat while the server is
told to stop. Every time, the process must exit within a few seconds (an
on-commit broadcast must never wait for an event loop that has stopped), every
write a client was told about (201, ``ack``) must be in the database, and each
open WebSocket must get a 1001 ("going away") close frame, not a dropped
connection: also one whose client is not reading when the server stops (a
phone asleep, a busy tab) and reads what was sent only after the server has
gone, behind the room's messages queued before it.
"""

import http.client
import json
import signal
import sqlite3
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from stress.clients import RawSocket
from tests.live import LiveServer

RUNS = 10
LOAD_BEFORE_STOP = 1.0  # seconds of writes before SIGTERM
STOP_WITHIN = 10.0  # seconds from SIGTERM to exit
GOING_AWAY = 1001


@pytest.fixture
def server(tmp_path):
    server = LiveServer(
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "NETSITE_CHAT_RATE": "1000000/1",
            "NETSITE_API_USER_RATE": "1000000/1",
            "NETSITE_BOARD_FLOOD": "1000000/1",
        },
        workdir=tmp_path,
    )
    server.migrate()
    server.token = server.shell(
        "from django.contrib.auth.models import User\n"
        "from rest_framework.authtoken.models import Token\n"
        "from chat.services import create_room\n"
        "create_room(title='Lobby')\n"
        "user = User.objects.create_user('ada', password='correct horse 1')\n"
        "print(Token.objects.create(user=user).key)\n"
    ).strip()
    server.database = tmp_path / "db.sqlite3"
    yield server
    server.stop()


class Load:
    """API posters, chat writers and one board listener, in threads."""

    def __init__(self, server):
        self.server = server
        self.ws_url = server.url.replace("http://", "ws://")
        self.posts = []  # ids the API answered 201 for
        self.messages = []  # ids the chat acknowledged
        self.close_codes = []  # one per WebSocket: the server's close code
        self.threads = [
            threading.Thread(target=target, args=(n,), daemon=True)
            for n, target in enumerate(
                [self.post, self.post, self.chat, self.chat, self.listen]
            )
        ]
        self.lock = threading.Lock()

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join(30)
        assert not any(t.is_alive() for t in self.threads), "a client never ended"

    def post(self, n):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = {
            "Authorization": f"Token {self.server.token}",
            "Content-Type": "application/json",
        }
        count = 0
        try:
            while True:
                count += 1
                body = json.dumps({"body": f"poster {n} post {count}"})
                conn.request("POST", "/api/posts/", body, headers)
                reply = conn.getresponse()
                data = reply.read()
                if reply.status != 201:
                    return
                with self.lock:
                    self.posts.append(json.loads(data)["id"])
        except (OSError, http.client.HTTPException):
            return  # the server went away
        finally:
            conn.close()

    def _closed(self, closed):
        with self.lock:
            self.close_codes.append(closed.rcvd.code if closed.rcvd else None)

    def chat(self, n):
        try:
            with connect(f"{self.ws_url}/ws/chat/lobby/", proxy=None) as ws:
                count = 0
                while True:
                    count += 1
                    client_id = f"writer-{n}-{count}"
                    ws.send(
                        json.dumps(
                            {"type": "message", "text": "hi", "client_id": client_id}
                        )
                    )
                    while True:
                        frame = json.loads(ws.recv(timeout=30))
                        if frame["type"] == "ack" and frame["client_id"] == client_id:
                            break
                    with self.lock:
                        self.messages.append(frame["id"])
        except ConnectionClosed as closed:
            self._closed(closed)

    def listen(self, n):
        try:
            with connect(f"{self.ws_url}/ws/board/", proxy=None) as ws:
                while True:
                    ws.recv(timeout=30)
        except ConnectionClosed as closed:
            self._closed(closed)


def stored_ids(database, table):
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute(f"SELECT id FROM {table}")}  # noqa: S608


def test_sigterm_under_write_load_stops_quickly_and_loses_nothing(server):
    posts, messages, stop_times = [], [], []
    for run in range(RUNS):
        server.start()
        ws_url = server.url.replace("http://", "ws://")
        late_readers = [
            RawSocket(f"{ws_url}{path}") for path in ("/ws/chat/lobby/", "/ws/echo/")
        ]
        load = Load(server)
        load.start()
        time.sleep(LOAD_BEFORE_STOP)
        stopped = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(STOP_WITHIN)
        except Exception:
            server.process.kill()
            server.process.wait()
            pytest.fail(f"run {run}: still running {STOP_WITHIN:.0f} s after SIGTERM")
        stop_times.append(time.monotonic() - stopped)
        load.join()
        assert server.process.returncode == 0, f"run {run}: exit code"
        assert load.close_codes == [GOING_AWAY] * 3, f"run {run}: close codes"
        late = [reader.drain(timeout=5) for reader in late_readers]
        for reader in late_readers:
            reader.close()
        assert late == [("closed", GOING_AWAY)] * 2, f"run {run}: late readers"
        assert load.posts and load.messages, f"run {run}: no write got through"
        posts += load.posts
        messages += load.messages

    assert set(posts) <= stored_ids(server.database, "board_post")
    assert set(messages) <= stored_ids(server.database, "chat_message")
    assert max(stop_times) < STOP_WITHIN, stop_times
    assert server.log_count('"level": "error"') == 0, server.describe()
