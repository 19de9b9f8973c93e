"""
``manage.py chat`` and ``manage.py say`` against a real daphne process
(``manage.py serve``) with its own SQLite file.
"""

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30  # seconds: generous limits for slow machines, never asserted on


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lines:
    """Read a process's output lines in a thread so that reads can time out."""

    def __init__(self, stream):
        self.queue = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for line in iter(stream.readline, ""):
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def expect(self, text):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return line
        pytest.fail(f"{text!r} never appeared; output was:\n" + "\n".join(self.seen))


class Site:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "netsite.settings",
            "DJANGO_SECRET_KEY": "terminal-client-test-" + "k" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("REDIS_URL", None)
        self.log = tmp_path / "server.log"
        self.server = None

    def manage(self, *args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=WAIT * 2,
            **kwargs,
        )

    def start(self):
        with self.log.open("a") as log:
            self.server = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert self.server.poll() is None, self.log.read_text()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail("the server did not start:\n" + self.log.read_text())

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=WAIT)
        self.server = None

    def client(self, *args):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "chat", *args, "--url", self.url],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return process, Lines(process.stdout)


@pytest.fixture(scope="module")
def running_site(tmp_path_factory):
    """One migrated site for the module (set-up is the slow part)."""
    site = Site(tmp_path_factory.mktemp("site"))
    assert site.manage("migrate", "--noinput").returncode == 0
    # As `make run`: production settings serve hashed static files.
    collected = site.manage("collectstatic", "--noinput", "--verbosity", "0")
    assert collected.returncode == 0, collected.stderr
    created = site.manage(
        "shell",
        "-c",
        "from chat.services import create_room; create_room(title='Lobby')",
    )
    assert created.returncode == 0, created.stderr
    yield site
    site.stop()


@pytest.fixture
def site(running_site):
    if running_site.server is None:
        running_site.start()
    return running_site


def listen(site):
    return connect(f"{site.url}/ws/chat/lobby/", open_timeout=WAIT)


def test_the_terminal_client_sends_reports_the_ack_and_exits_on_end_of_input(site):
    with listen(site) as listener:
        process, lines = site.client("lobby", "--name", "Ada")
        try:
            lines.expect("* connected")
            process.stdin.write("hello from the terminal\n")
            process.stdin.flush()
            lines.expect("✓ delivered")
            lines.expect("Ada: hello from the terminal")
            frame = json.loads(listener.recv(timeout=WAIT))
            assert (frame["author"], frame["text"]) == (
                "Ada",
                "hello from the terminal",
            )
            process.stdin.close()
            lines.expect("* bye")
            assert process.wait(timeout=WAIT) == 0
        finally:
            process.kill()


def test_the_terminal_client_prints_what_others_send(site):
    process, lines = site.client("lobby")
    try:
        lines.expect("* connected")
        with listen(site) as other:
            other.send(json.dumps({"type": "message", "text": "hi", "name": "Bob"}))
            lines.expect("Bob: hi")
        process.stdin.close()
        assert process.wait(timeout=WAIT) == 0
    finally:
        process.kill()


def test_the_terminal_client_reconnects_and_resumes_after_a_restart(site):
    process, lines = site.client("lobby")
    try:
        lines.expect("* connected")
        site.stop()
        lines.expect("* disconnected")
        said = site.manage("say", "lobby", "while you were away")
        assert said.returncode == 0, said.stderr
        assert "chat.W001" in said.stderr  # no Redis: the broadcast cannot reach
        site.start()
        lines.expect("* reconnected")
        lines.expect("system: while you were away")
        process.stdin.close()
        assert process.wait(timeout=WAIT) == 0
    finally:
        process.kill()


def test_the_terminal_client_names_an_unknown_room(site):
    process, lines = site.client("nowhere")
    try:
        lines.expect("There is no room")
        assert process.wait(timeout=WAIT) == 1
    finally:
        process.kill()


def test_say_refuses_an_unknown_room_and_empty_text(site):
    unknown = site.manage("say", "nowhere", "hi")
    assert unknown.returncode == 1
    assert "There is no room 'nowhere'. Rooms: lobby." in unknown.stderr
    empty = site.manage("say", "lobby", "   ")
    assert empty.returncode == 1
    assert "Write something before sending." in empty.stderr
