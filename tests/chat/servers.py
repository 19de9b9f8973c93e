"""
A real netsite process for tests that need one: ``manage.py serve`` (daphne)
on a free port with its own SQLite file, migrated and with collected static
files, as ``make run`` sets it up.
"""

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

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


def make_site(directory):
    """Return a migrated Site with a room called Lobby; not yet started."""
    site = Site(directory)
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
    return site
