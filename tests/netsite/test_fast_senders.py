"""
A client that sends faster than the server handles cannot make a real
``manage.py serve`` grow: once a few frames wait for the application, the
server stops reading from that client, and TCP holds the rest on the client's
side. A guest sending the largest frames allowed to ``/ws/board/`` (whose
consumer ignores them) is the cheapest way to try.

The claim is about memory, not speed: a server that happens to handle frames
as fast as this client sends them may read all it sends (so the test sends
for a time, not a number of bytes); one that reads faster than it handles
grows, and fails.
"""

import time

import pytest

from tests.live import LiveServer
from tests.stalled import StalledReader, rss_bytes

FRAME = b"x" * 60000  # under NETSITE_WS_MAX_MESSAGE (64 KiB)
FOR = 10.0  # seconds of sending
RSS_BOUND = 32 * 2**20


@pytest.fixture
def server(tmp_path):
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        workdir=tmp_path,
    )
    server.migrate()
    server.start()
    yield server
    server.stop()


def test_a_client_flooding_frames_is_read_no_faster_than_it_is_served(server):
    url = server.url.replace("http://", "ws://") + "/ws/board/"
    client = StalledReader(url)
    pid = server.process.pid
    baseline = rss_bytes(pid)
    client.sock.settimeout(2)
    sent = 0
    started = time.monotonic()
    try:
        while time.monotonic() - started < FOR:
            client.protocol.send_binary(FRAME)
            for data in client.protocol.data_to_send():
                client.sock.sendall(data)
            sent += len(FRAME)
    except TimeoutError:
        pass  # the server stopped reading: TCP's flow control holds the rest
    finally:
        growth = rss_bytes(pid) - baseline
        client.close()

    assert growth < RSS_BOUND, (
        f"RSS grew by {growth / 2**20:.0f} MiB while the client sent "
        f"{sent / 2**20:.0f} MiB"
    )
    assert server.healthy()
