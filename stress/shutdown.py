"""
SIGTERM under write load: what systemd does on every deploy.

Writers through all three doors keep writing while sockets listen on a chat
room, the board stream and the echo endpoint, reading what comes as a page
does. The server gets SIGTERM at
a random moment and must exit within SHUTDOWN_LIMIT seconds, every time; each
open socket must get a close frame with 1001 ("going away"), so that clients
reconnect at once; and after a restart every acknowledged write is there once.
"""

import collections
import concurrent.futures
import random
import time

from stress import writers
from stress.clients import RawSocket
from stress.site import ROOM, UNLIMITED

NAME = "shutdown"
DOORS = {"form": 1, "api": 2, "ws": 2}
SHUTDOWN_LIMIT = 10  # seconds
PATIENCE = SHUTDOWN_LIMIT + 5  # seconds before a hanging server is killed
LISTENERS = [f"/ws/chat/{ROOM}/", f"/ws/chat/{ROOM}/", "/ws/board/", "/ws/echo/"]


def run(run):
    tries = run.pick(3, 10)
    ledger = writers.Ledger()
    durations = []
    closes = collections.Counter()
    with (
        run.site("shutdown", **UNLIMITED) as site,
        concurrent.futures.ThreadPoolExecutor(len(LISTENERS)) as pool,
    ):
        for attempt in range(1, tries + 1):
            if attempt > 1:
                site.start()
            listeners = [RawSocket(site.ws_url + path) for path in LISTENERS]
            # The listeners read all along, as an open page does, so that
            # what they see at the end is the server's doing and not a
            # backlog of their own (readers that stall are the "stalled"
            # area's): each read ends at the close frame, or the drop.
            reads = [
                pool.submit(listener.drain, timeout=PATIENCE + 5)
                for listener in listeners
            ]
            stop, threads = writers.start(
                site, ledger, doors=DOORS, label=f"term-{attempt}"
            )
            time.sleep(random.uniform(1.0, 3.0))  # noqa: S311 (not crypto)
            durations.append(site.terminate(patience=PATIENCE))
            stop.set()
            for thread in threads:
                thread.join(60)
            for listener, read in zip(listeners, reads, strict=True):
                state, code = read.result()
                closes[f"close {code}" if state == "closed" else state] += 1
                listener.close()
            shown = "hung" if durations[-1] is None else f"{durations[-1]:.1f} s"
            run.progress(f"SIGTERM {attempt}/{tries}: exit after {shown}")
        site.start()
        ledger.resend_in_flight()
        copies = ledger.copies(site)

    hung = durations.count(None)
    slow = [d for d in durations if d is not None and d > SHUTDOWN_LIMIT]
    finished = [d for d in durations if d is not None]
    run.check(
        f"{NAME}: SIGTERM under write load ends within {SHUTDOWN_LIMIT} s, ×{tries}",
        not hung and not slow,
        f"{hung} hung (killed after {PATIENCE} s), {len(slow)} slow; "
        f"longest exit {max(finished, default=0):.1f} s",
    )
    run.check(
        f"{NAME}: open sockets get a 1001 close frame",
        set(closes) == {"close 1001"},
        ", ".join(f"{n} {what}" for what, n in sorted(closes.items()))
        + " (dropped = no close frame, the client sees 1006)",
    )
    # Resent writes are the crash area's claim; here: nothing acknowledged lost.
    ok, text = writers.tally({w: n for w, n in copies.items() if not w.retried})
    run.check(f"{NAME}: no acknowledged write lost", ok, text)
