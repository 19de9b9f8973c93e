"""
Writers through the three doors, and the ledger of what the site acknowledged.

A form writer is a browser without JavaScript posting the board or a chat
room form (acknowledged by the 303); an API writer posts ``/api/posts/`` with
a token and an ``Idempotency-Key`` (201, or 200 for a replay); a WebSocket
writer sends chat frames with a ``client_id`` (the ``ack`` frame). Every text
carries a unique marker, so the stored rows can be matched to the writes.

A write whose answer never came (the server died under it) is *in flight*:
after a restart it is sent again exactly as its client would resend it (the
same form fields, the same key, the same ``client_id``), and must then be
stored exactly once, like every acknowledged write.
"""

import collections
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field

from stress.clients import Browser, Closed, RawSocket, request
from stress.site import ROOM

ACKED = "acked"
IN_FLIGHT = "in flight"
REFUSED = "refused"


@dataclass(eq=False)  # hashable by identity: a key of Ledger.copies
class Write:
    door: str  # form, api, ws
    marker: str
    kind: str  # posts or messages
    resend: object = None  # () -> bool: send again, True when acknowledged
    state: str = IN_FLIGHT
    status: object = None  # the HTTP status or error code of a refusal
    retried: bool = False


@dataclass
class Ledger:
    writes: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: itertools.count = field(default_factory=itertools.count)

    def new(self, door, kind, label):
        marker = f"{label} {door} {next(self.numbers)} {secrets.token_hex(4)}"
        write = Write(door=door, marker=marker, kind=kind)
        with self.lock:
            self.writes.append(write)
        return write

    def count(self, state):
        return sum(1 for w in self.writes if w.state == state)

    def resend_in_flight(self):
        """Send every write whose answer never came again; return how many."""
        waiting = [w for w in self.writes if w.state == IN_FLIGHT]
        for write in waiting:
            write.retried = True
            try:
                write.state = ACKED if write.resend() else REFUSED
            except (OSError, Closed, TimeoutError):
                write.state = IN_FLIGHT
        return len(waiting)

    def refusals(self):
        return collections.Counter(w.status for w in self.writes if w.state == REFUSED)

    def copies(self, site):
        """Return ``{write: rows stored with its marker}`` for acknowledged writes."""
        stored = collections.Counter()
        for kind, column in (("posts", "body"), ("messages", "text")):
            stored.update(row[column] for row in site.export(kind))
        return {w: stored[w.marker] for w in self.writes if w.state == ACKED}


def tally(copies):
    """``(ok, text)``: how many of ``{write: copies}`` were stored once, and
    which doors lost or duplicated the others."""
    counts = collections.Counter()
    bad_doors = collections.Counter()
    for write, n in copies.items():
        outcome = "once" if n == 1 else "missing" if n == 0 else "duplicated"
        counts[outcome] += 1
        if n != 1:
            bad_doors[f"{write.door} {outcome}"] += 1
    text = (
        f"{len(copies):,} acknowledged: {counts['once']:,} stored once, "
        f"{counts['missing']:,} missing, {counts['duplicated']:,} stored twice or more"
    )
    if bad_doors:
        text += (
            " (" + ", ".join(f"{k}: {v}" for k, v in sorted(bad_doors.items())) + ")"
        )
    return counts["once"] == len(copies), text


def _form_writer(site, ledger, stop, n, limit, label):
    browser = Browser(site.port)
    page, field_name, kind = (
        ("/board/", "body", "posts")
        if n % 2 == 0
        else (f"/chat/{ROOM}/", "text", "messages")
    )
    for _ in range(limit) if limit else itertools.count():
        if stop.is_set():
            return
        try:
            fields = browser.form(page, field_name)
        except OSError:
            return  # the server is gone: nothing was sent
        write = ledger.new("form", kind, label)
        fields[field_name] = write.marker
        if "display_name" in fields:
            fields["display_name"] = f"form {n}"

        def resend(fields=fields):
            return browser.post(page, fields).status == 303

        write.resend = resend
        try:
            reply = browser.post(page, fields)
        except OSError:
            return  # in flight
        write.state, write.status = (
            (ACKED, 303) if reply.status == 303 else (REFUSED, reply.status)
        )


def _api_writer(site, ledger, stop, n, limit, label):
    headers = {
        "Authorization": f"Token {site.token(n)}",
        "Content-Type": "application/json",
    }
    for _ in range(limit) if limit else itertools.count():
        if stop.is_set():
            return
        write = ledger.new("api", "posts", label)
        body = json.dumps({"body": write.marker}).encode()
        key = {"Idempotency-Key": write.marker[-40:]}

        def send(body=body, key=key):
            return request(
                site.port, "POST", "/api/posts/", body=body, headers={**headers, **key}
            )

        write.resend = lambda send=send: send().status in (200, 201)
        try:
            reply = send()
        except OSError:
            return
        ok = reply.status in (200, 201)
        write.state, write.status = (ACKED if ok else REFUSED), reply.status


def _send_message(sock, write, name):
    """Send one chat frame and wait for its ack (other frames are broadcasts)."""
    client_id = write.marker[-40:]
    sock.send_json(
        {"type": "message", "text": write.marker, "client_id": client_id, "name": name}
    )
    while True:
        frame = sock.recv_json(timeout=30)
        if frame["type"] == "ack" and frame.get("client_id") == client_id:
            return True
        if frame["type"] == "error" and frame.get("client_id") in (None, client_id):
            write.status = frame.get("code")
            return False


def _ws_writer(site, ledger, stop, n, limit, label):
    name = f"socket {n}"
    url = f"{site.ws_url}/ws/chat/{ROOM}/"
    try:
        sock = RawSocket(url)
    except Exception:  # the server is gone before the handshake
        return
    try:
        for _ in range(limit) if limit else itertools.count():
            if stop.is_set():
                return
            write = ledger.new("ws", "messages", label)

            def resend(write=write):
                again = RawSocket(url)
                try:
                    return _send_message(again, write, name)
                finally:
                    again.close()

            write.resend = resend
            try:
                acked = _send_message(sock, write, name)
            except (OSError, Closed, TimeoutError):
                return
            write.state = ACKED if acked else REFUSED
    finally:
        sock.close()


DOORS = {"form": _form_writer, "api": _api_writer, "ws": _ws_writer}


def start(site, ledger, *, doors, label, limit=None, first=0):
    """
    Start ``doors[door]`` writers of each door in threads; return ``(stop,
    threads)``. Writer ``n`` of the API door posts as account ``stress-n``;
    with ``limit`` each writer stops after that many writes.
    """
    stop = threading.Event()
    threads = []
    n = first
    for door, count in doors.items():
        for _ in range(count):
            thread = threading.Thread(
                target=DOORS[door],
                args=(site, ledger, stop, n, limit, label),
                daemon=True,
            )
            threads.append(thread)
            n += 1
    for thread in threads:
        thread.start()
    return stop, threads
