"""
Clients that stop reading cannot make a real ``manage.py serve`` grow.

Twenty sockets join a chat room and never read again (one of them sends a
small frame every ten seconds, so that daphne never pings it), while a
well-behaved client floods the room with large messages. What the server has
queued for each stalled socket is bounded by ``NETSITE_WS_SEND_BUFFER``: the
process's resident memory stays within twenty such buffers (plus slack for
the allocator), every stalled socket is closed with 4409 (fell behind, resume
with ``?after``), and the client that reads keeps getting the room.
"""

import asyncio
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.live import LiveServer
from tests.stalled import RoomFlood, StalledReader, rss_bytes

STALLED = 20
SEND_BUFFER = 256 * 1024
WARM_UP = 3.0  # seconds of flood before the baseline is taken
FLOOD = 15.0  # seconds of flood measured after it
TINY_FRAME_EVERY = 10.0
# Each stalled socket may hold its send buffer plus Twisted's own 64 KiB
# threshold; the rest is slack for the allocator and the flood's own frames.
RSS_BOUND = STALLED * (SEND_BUFFER + 64 * 1024) + 24 * 1024 * 1024
CLOSE_FELL_BEHIND = 4409
# The longest chat message there is: 2,000 characters of 4 bytes each.
TEXT = "\N{GRINNING FACE}" * 2000


@pytest.fixture
def server(tmp_path):
    # The flood is bound by SQLite's writes: keep them off a busy disk.
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    server = LiveServer(
        env={
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "NETSITE_CHAT_RATE": "1000000/1",
            "NETSITE_WS_SEND_BUFFER": str(SEND_BUFFER),
        },
        workdir=tmp_path,
    )
    server.migrate()
    server.shell("from chat.services import create_room; create_room(title='Lobby')")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def flood_in_background(url):
    """Start a RoomFlood in a thread; return it and a function that stops it."""
    flood = RoomFlood(url, text=TEXT)
    stop = threading.Event()
    thread = threading.Thread(target=asyncio.run, args=(flood.run(stop),))
    thread.start()

    def finish():
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the flood did not stop"

    return flood, finish


def test_stalled_readers_are_closed_with_4409_and_memory_stays_flat(server):
    url = server.url.replace("http://", "ws://") + "/ws/chat/lobby/"
    stalled = [StalledReader(url) for _ in range(STALLED)]
    pid = server.process.pid
    flood, finish = flood_in_background(url)
    try:
        time.sleep(WARM_UP)
        baseline = rss_bytes(pid)
        samples = []
        next_tiny = time.monotonic()
        end = time.monotonic() + FLOOD
        while time.monotonic() < end:
            if time.monotonic() >= next_tiny:
                # The chatty one: a small frame now and then, never reading.
                stalled[0].send_text('{"type": "hello"}')
                next_tiny += TINY_FRAME_EVERY
            samples.append(rss_bytes(pid))
            time.sleep(0.5)
        acked_during_flood = flood.acked
    finally:
        finish()

    try:
        growth = max(samples) - baseline
        volume = acked_during_flood * len(TEXT.encode()) / 2**20
        assert acked_during_flood > 100, "the flood was too slow to prove anything"
        assert growth < RSS_BOUND, (
            f"RSS grew by {growth / 2**20:.1f} MiB (bound "
            f"{RSS_BOUND / 2**20:.1f} MiB) while {volume:.0f} MiB were "
            f"sent to each of {STALLED} stalled sockets"
        )
        closes = [reader.read_until_closed() for reader in stalled]
    finally:
        for reader in stalled:
            reader.close()

    codes = [close.code if close else None for close in closes]
    assert codes == [CLOSE_FELL_BEHIND] * STALLED
    # The client that reads was never cut off, and got the whole room.
    assert flood.close_code is None
    assert flood.received >= acked_during_flood
    assert server.log_count("send buffer full") == STALLED
