"""
50 writers at once, 20 posts each, through the board form and the API.

SQLite takes one writer at a time; netsite's settings (WAL, IMMEDIATE
transactions, a busy timeout) make the others queue. Every post must be
stored, with no "database is locked" in the server's log and no 5xx.

Then racing retries: two copies of one chat message with the same
``client_id`` (two sockets of one guest) or the same ``Idempotency-Key`` (two
API calls of one account) sent at the same instant must be stored once.
"""

import collections
import json
import secrets
import threading
import time

from stress import writers
from stress.clients import RawSocket, request
from stress.site import ROOM, UNLIMITED

NAME = "concurrency"
WRITERS = {"form": 25, "api": 25}
POSTS = 20


def run(run):
    ledger = writers.Ledger()
    total = sum(WRITERS.values()) * POSTS
    with run.site("concurrency", **UNLIMITED) as site:
        started = time.monotonic()
        _, threads = writers.start(
            site, ledger, doors=WRITERS, label="concurrent", limit=POSTS
        )
        while any(thread.is_alive() for thread in threads):
            run.progress(f"{len(ledger.writes):,}/{total:,} writes sent")
            for thread in threads:
                thread.join(1)
        elapsed = time.monotonic() - started
        copies = ledger.copies(site)
        locked = site.log_text().count("database is locked")
        races = _race(site, run.pick(20, 50))

    refused = ledger.refusals()
    server_errors = sum(n for status, n in refused.items() if str(status)[0] == "5")
    unanswered = ledger.count(writers.IN_FLIGHT)
    ok, text = writers.tally(copies)
    run.check(
        f"{NAME}: {sum(WRITERS.values())} writers × {POSTS} posts at once",
        ok and len(copies) == total and not locked and not server_errors,
        f"{text} of {total:,} in {elapsed:.0f} s; {locked} 'database is locked', "
        f"{server_errors} 5xx, {unanswered} unanswered, refused {dict(refused) or 0}",
    )
    copies = collections.Counter(races.values())
    doubled = collections.Counter(door for (door, _), n in races.items() if n != 1)
    run.check(
        f"{NAME}: racing retries of one chat message (socket and API) stored once",
        set(copies) == {1},
        f"{len(races)} races: "
        + ", ".join(f"{n} stored {k}×" for k, n in sorted(copies.items()))
        + "".join(f"; {door}: {n} not once" for door, n in sorted(doubled.items())),
    )


def _socket_copy(site, text, client_id, barrier):
    sock = RawSocket(f"{site.ws_url}/ws/chat/{ROOM}/")
    try:
        barrier.wait(10)
        sock.send_json(
            {"type": "message", "text": text, "client_id": client_id, "name": "racer"}
        )
        while sock.recv_json(timeout=30)["type"] not in ("ack", "error"):
            pass
    finally:
        sock.close()


def _api_copy(site, text, client_id, barrier):
    body = json.dumps({"text": text}).encode()
    headers = {
        "Authorization": f"Token {site.token(59)}",
        "Content-Type": "application/json",
        "Idempotency-Key": client_id,
    }
    barrier.wait(10)
    request(
        site.port, "POST", f"/api/rooms/{ROOM}/messages/", body=body, headers=headers
    )


def _race(site, count):
    """Send ``count`` pairs of racing copies; return ``{(door, text): rows}``."""
    texts = []
    for n in range(count):
        text, client_id = f"race {n} {secrets.token_hex(4)}", f"race-{n}"
        copy = _socket_copy if n % 2 == 0 else _api_copy
        barrier = threading.Barrier(2)
        pair = [
            threading.Thread(target=copy, args=(site, text, client_id, barrier))
            for _ in range(2)
        ]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(60)
        texts.append(("socket" if copy is _socket_copy else "api", text))
    stored = collections.Counter(row["text"] for row in site.export("messages"))
    return {(door, text): stored[text] for door, text in texts}
