"""
``manage.py chat`` and ``manage.py say`` against a real daphne process
(``manage.py serve``) with its own SQLite file.
"""

import json

import pytest
from websockets.sync.client import connect

from tests.chat.servers import WAIT, make_site


@pytest.fixture(scope="module")
def running_site(tmp_path_factory):
    """One migrated site for the module (set-up is the slow part)."""
    site = make_site(tmp_path_factory.mktemp("site"))
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
    unknown = site.manage("say", "nowhere", "hi")
    assert unknown.returncode == 1
    assert "There is no room 'nowhere'. Rooms: lobby." in unknown.stderr
    empty = site.manage("say", "lobby", "   ")
    assert empty.returncode == 1
    assert "Write something before sending." in empty.stderr
