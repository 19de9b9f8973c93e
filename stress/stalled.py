"""
Stalled readers in a flooded room: the server's memory must stay flat.

Twenty clients join a chat room and never read again (their receive windows
are a few kilobytes, so what the server sends them piles up on the server);
one more never reads either but sends a tiny frame every 10 seconds, as a
half-dead tab does. Writers flood the room with 7.6 KB messages, busy half the
time (a saturated server falls behind on every socket alike, which is another
test), while the server's RSS is sampled every second. A bounded server
closes each stalled reader with 4409 ("fell behind, resume with ?after")
instead of queueing for it without end.

Whether the server ended each stalled connection is watched during the flood
(the TCP state, without reading). Afterwards each stalled reader reads what
reached it: a close frame (its code), a connection ended without one
("dropped": a client that reads nothing cannot be handed its close frame, so
the server gives up on it), or nothing but messages ("open": never closed).
Note that daphne drops a silent client on its own after its ping timeout
(20 s + 30 s); the ticker's frames keep that from ever happening.
"""

import collections
import contextlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from stress.clients import Closed, RawSocket
from stress.site import ROOM, UNLIMITED

NAME = "stalled"
STALLED = 20
FLOODERS = 4
WINDOW = 25  # messages a flooder sends before reading their acks
# 1,900 four-byte characters: 7.6 KB a frame, near the 2,000-character limit.
TEXT = "\N{GRINNING FACE}" * 1900
FRAME_BYTES = len(TEXT.encode())
# The flood goes on past its duration until each stalled reader was sent at
# least this much (or for three times the duration at most): twice what the
# kernel's socket buffers can hold for it (tcp_wmem's 4 MB), so that a bound,
# if there is one, must come into play.
MIN_BYTES = 8 * 2**20
MIN_MESSAGES = MIN_BYTES // FRAME_BYTES + 1
TICK = 10  # seconds between the ticker's tiny frames
# RSS may grow this much over the flood (about 2 MB for each stalled reader,
# as per-connection queues fill up to their bounds), and hardly at all over its
# last third: that is "flat".
GROWTH_LIMIT = 48 * 2**20
LATE_GROWTH_LIMIT = 16 * 2**20


def _flood(url, stop, sent):
    sock = RawSocket(url, timeout=30)
    message = {"type": "message", "text": TEXT, "name": "flood"}
    frame = json.dumps(message, ensure_ascii=False)
    try:
        while not stop.is_set():
            started = time.monotonic()
            for _ in range(WINDOW):
                sock.send_text(frame)
            acks = 0
            while acks < WINDOW:
                acks += json.loads(sock.recv(30))["type"] in ("ack", "error")
            sent[0] += WINDOW
            # Half the time idle: a server at full stretch falls behind on
            # every socket alike; a busy room is not a saturated server.
            stop.wait(time.monotonic() - started)
    except (OSError, Closed, TimeoutError):
        pass  # the flood ends with the test (or the server)
    finally:
        sock.close()


def _read_all(sock):
    """A healthy member: reads everything until the connection ends."""
    sock.frames = 0
    with contextlib.suppress(Closed, OSError, TimeoutError):
        while True:
            sock.recv(timeout=600)
            sock.frames += 1


def run(run):
    duration = run.pick(30, 120)
    with run.site("stalled", **UNLIMITED) as site:
        url = f"{site.ws_url}/ws/chat/{ROOM}/"
        stalled = [RawSocket(url, rcvbuf=4096) for _ in range(STALLED)]
        ticker = RawSocket(url, rcvbuf=4096)
        healthy = [RawSocket(url) for _ in range(2)]
        for sock in healthy:
            threading.Thread(target=_read_all, args=(sock,), daemon=True).start()
        stop, sent = threading.Event(), [0]
        flooders = [
            threading.Thread(target=_flood, args=(url, stop, sent), daemon=True)
            for _ in range(FLOODERS)
        ]
        for thread in flooders:
            thread.start()
        started = time.monotonic()
        samples = []  # (seconds, rss)
        next_tick = started + TICK
        closed_at = {}  # stalled reader → seconds into the flood
        while (elapsed := time.monotonic() - started) < duration or (
            sent[0] < MIN_MESSAGES and elapsed < 3 * duration
        ):
            samples.append((elapsed, site.rss()))
            for sock in [*stalled, ticker]:
                if sock not in closed_at and sock.server_closed():
                    closed_at[sock] = elapsed
            if time.monotonic() >= next_tick and ticker not in closed_at:
                with contextlib.suppress(OSError, Closed):
                    # Tiny, and answered with an error frame. Once the server
                    # has dropped the ticker, sending gets a reset: it is done.
                    ticker.send_text("{}")
                next_tick += TICK
            run.progress(
                f"flood {elapsed:.0f}/{duration} s: {sent[0]:,}/{MIN_MESSAGES:,} "
                f"messages, RSS {samples[-1][1] / 2**20:.0f} MB"
            )
            time.sleep(1)
        stop.set()
        duration = elapsed
        for thread in flooders:
            thread.join(30)
        with ThreadPoolExecutor(len(stalled) + 1) as pool:
            results = list(pool.map(lambda s: s.drain(timeout=5), [*stalled, ticker]))
        healthy_frames = [sock.frames for sock in healthy]
        healthy_open = [not sock.server_closed() for sock in healthy]
        for sock in [*stalled, ticker, *healthy]:
            sock.close()

    # Baseline: the first sample with the flood running (connections and the
    # flood's own working set are in it).
    baseline = samples[min(3, len(samples) - 1)][1]
    peak = max(rss for _, rss in samples)
    late = [rss for t, rss in samples if t >= duration * 2 / 3]
    late_growth = max(late) - min(late) if late else 0
    mb = 2**20
    run.check(
        f"{NAME}: server memory, {STALLED}+1 stalled readers, {duration:.0f} s flood",
        peak - baseline <= GROWTH_LIMIT
        and late_growth <= LATE_GROWTH_LIMIT
        and sent[0] >= MIN_MESSAGES,
        f"RSS {baseline / mb:.0f} → {peak / mb:.0f} MB (+{(peak - baseline) / mb:.0f}, "
        f"limit {GROWTH_LIMIT // mb}), +{late_growth / mb:.0f} MB over the last third "
        f"(limit {LATE_GROWTH_LIMIT // mb}); {sent[0]:,} messages of "
        f"{FRAME_BYTES / 1000:.1f} KB, {sent[0] * FRAME_BYTES / mb:.0f} MB "
        "to each reader"
        + (
            ""
            if sent[0] >= MIN_MESSAGES
            else f", too few to judge (< {MIN_MESSAGES:,})"
        ),
    )
    outcomes = collections.Counter(
        f"close {code}" if state == "closed" else state for state, code in results
    )
    times = sorted(closed_at.values())
    closed_during = f"{len(times)}/{STALLED + 1} closed during the flood" + (
        f", after {times[0]:.0f}–{times[-1]:.0f} s" if times else ""
    )
    run.check(
        f"{NAME}: stalled readers closed with 4409 (the ticker too)",
        all(state == "dropped" or code == 4409 for state, code in results),
        f"{closed_during}; then read: "
        + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
        + f"; the ticker: {results[-1][0]}"
        + f"; healthy readers got {', '.join(f'{n:,}' for n in healthy_frames)} "
        f"frames, {sum(healthy_open)} of 2 still open",
    )
