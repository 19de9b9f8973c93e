"""
``manage.py chat`` and ``manage.py say`` against a real daphne process
(``manage.py serve``) with its own SQLite file.
"""

import json
import queue
import re
import subprocess
import sys
import threading
import time

import pytest
from websockets.sync.client import connect

from tests.live import ROOT, LiveServer

WAIT = 30  # seconds: generous limits for slow machines, never asserted on


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


class Site(LiveServer):
    """A live server with a room called Lobby and the terminal client."""

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    def client(self, *args):
        process = self.popen(
            "chat",
            *args,
            "--url",
            self.ws_url,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return process, Lines(process.stdout)


@pytest.fixture(scope="module")
def running_site(tmp_path_factory):
    """One migrated site for the module (set-up is the slow part)."""
    workdir = tmp_path_factory.mktemp("site")
    site = Site(
        env={"DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3"}, workdir=workdir
    )
    site.migrate()
    site.shell("from chat.services import create_room; create_room(title='Lobby')")
    yield site
    site.stop()


@pytest.fixture
def site(running_site):
    """The module's site, started again if a test left it stopped."""
    if running_site.process is None or running_site.process.poll() is not None:
        running_site.start()
    return running_site


def member_client(site, username, password, *args):
    """The terminal client logged in as ``username`` (password from the env)."""
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "chat", "lobby", "--url", site.ws_url]
        + ["--user", username, *args],
        cwd=ROOT,
        env={**site.env, "NETSITE_CHAT_PASSWORD": password},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, Lines(process.stdout)


def listen(site):
    return connect(f"{site.ws_url}/ws/chat/lobby/", open_timeout=WAIT)


def test_the_terminal_client_sends_reports_the_ack_and_exits_on_end_of_input(site):
    with listen(site) as listener:
        process, lines = site.client("lobby", "--name", "Ada")
        try:
            lines.expect("* connected")
            process.stdin.write("hello from the terminal\n")
            process.stdin.flush()
            lines.expect("✓ delivered")
            # A guest: the name is Ada's choice, and the terminal says so.
            lines.expect("Ada (guest): hello from the terminal")
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
            lines.expect("Bob (guest): hi")
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
        said = site.manage("say", "lobby", "while you were away", check=False)
        assert said.returncode == 0, said.stderr
        # No Redis: the broadcast cannot reach the server, and say says so.
        assert "REDIS_URL is not set" in said.stderr
        site.start()
        lines.expect("* reconnected")
        lines.expect("system: while you were away")
        process.stdin.close()
        assert process.wait(timeout=WAIT) == 0
    finally:
        process.kill()


def test_the_terminal_client_starts_with_the_rooms_latest_messages(site):
    said = site.manage("say", "lobby", "said before you came")
    assert said.returncode == 0, said.stderr
    process, lines = site.client("lobby")
    try:
        lines.expect("system: said before you came")
        lines.expect("* connected")
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
    unknown = site.manage("say", "nowhere", "hi", check=False)
    assert unknown.returncode == 1
    assert "There is no room 'nowhere'. Rooms: lobby." in unknown.stderr
    empty = site.manage("say", "lobby", "   ", check=False)
    assert empty.returncode == 1
    assert "Write something before sending." in empty.stderr


def test_a_line_refused_for_going_too_fast_is_sent_again(tmp_path):
    site = Site(
        env={
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "NETSITE_CHAT_RATE": "2/3",
        },
        workdir=tmp_path,
    )
    site.migrate()
    site.shell("from chat.services import create_room; create_room(title='Lobby')")
    site.start()
    process, lines = site.client("lobby", "--name", "Ada")
    try:
        lines.expect("* connected")
        process.stdin.write("one\ntwo\nthree\n")
        process.stdin.flush()
        lines.expect("! rate_limited")
        lines.expect("✓ delivered")  # "three", once the window allowed it
        process.stdin.close()
        assert process.wait(timeout=WAIT) == 0
    finally:
        process.kill()
        site.stop()
    stored = site.shell(
        "from chat.models import Message\n"
        "print(list(Message.objects.values_list('text', flat=True)))\n"
    )
    assert stored.strip() == "['one', 'two', 'three']"


def test_a_member_edits_and_deletes_their_message_from_the_terminal(site):
    site.shell(
        "from django.contrib.auth.models import User\n"
        "User.objects.create_user('tess', password='pw-tess-12345')\n"
    )
    process, lines = member_client(site, "tess", "pw-tess-12345")
    try:
        lines.expect("* connected")
        with listen(site) as listener:
            process.stdin.write("helo from tess\n")
            process.stdin.flush()
            delivered = lines.expect("✓ delivered")
            message_id = int(re.search(r"#(\d+)", delivered).group(1))
            # Sent as the member, not as a guest.
            lines.expect(f"#{message_id} tess: helo from tess")
            assert json.loads(listener.recv(timeout=WAIT))["guest"] is False

            for line in ("/edit\n", "/edit x hello\n", f"/edit {message_id}\n"):
                process.stdin.write(line)
                process.stdin.flush()
                lines.expect("! usage: /edit <message id> <new text>")

            process.stdin.write(f"/edit {message_id} hello from tess\n")
            process.stdin.flush()
            lines.expect(f"✓ edited #{message_id}")
            lines.expect(f"#{message_id} tess: hello from tess (edited)")
            edited = json.loads(listener.recv(timeout=WAIT))
            assert (edited["id"], edited["text"]) == (message_id, "hello from tess")
            assert edited["edited_at"]

            process.stdin.write(f"/delete {message_id}\n")
            process.stdin.flush()
            lines.expect(f"✓ deleted #{message_id}")
            lines.expect(f"* message #{message_id} was removed")
            assert json.loads(listener.recv(timeout=WAIT)) == {
                "type": "delete",
                "id": message_id,
            }
        process.stdin.close()
        assert process.wait(timeout=WAIT) == 0
    finally:
        process.kill()


def test_a_guest_at_the_terminal_is_told_they_cannot_edit(site):
    said = site.manage("say", "lobby", "the system speaks")
    assert said.returncode == 0, said.stderr
    process, lines = site.client("lobby")
    try:
        line = lines.expect("system: the system speaks")
        message_id = int(re.search(r"#(\d+)", line).group(1))
        lines.expect("* connected")
        process.stdin.write(f"/delete {message_id}\n")
        process.stdin.flush()
        lines.expect("! forbidden: Log in to delete your own messages")
        process.stdin.close()
        assert process.wait(timeout=WAIT) == 0
    finally:
        process.kill()


def test_the_terminal_client_names_a_failed_login(site):
    process, lines = member_client(site, "nobody", "wrong")
    try:
        lines.expect("Could not log in as 'nobody': wrong username or password")
        assert process.wait(timeout=WAIT) == 1
    finally:
        process.kill()
