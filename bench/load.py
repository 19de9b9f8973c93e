"""
The load generator: one workload against one server, then one JSON line.

The runner starts it pinned to the core the servers do not use, with a JSON
spec as its only argument. It reads the servers' CPU time itself, right
around the measured stretch, so that connecting, warming up and closing are
not counted. Three modes:

- ``chat``: N receivers in one room (spread over ``urls`` round-robin when
  there are several server processes); receiver 0 also sends. Each message
  goes out once every receiver got the previous one (a closed loop), for
  ``seconds``. Every receiver checks that it sees each message once, in
  order; the result counts what was lost, duplicated or reordered.
- ``http``: ``concurrency`` threads with a keep-alive connection each send
  one request after another for ``seconds``: a GET, a form POST (with the
  CSRF cookie and token a GET of ``csrf`` handed out) or a JSON POST with a
  token. A server that closes the connection (gunicorn's sync worker does,
  after every response) gets a new one.
- ``idle``: opens ``connections`` WebSockets that then say nothing, and
  reports the server's resident memory before and after.

    python -m bench.load '{"mode": "http", "port": 8000, "path": "/board/", ...}'
"""

import asyncio
import contextlib
import http.client
import http.cookies
import json
import re
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from websockets.asyncio.client import connect

from bench.processes import PYTHON, cpu_seconds, rss_bytes

CONNECT_BATCH = 100
ROUND_TIMEOUT = 10.0  # s: a message not with every receiver by then is lost
WARMUP_ROUNDS = 50
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


async def open_sockets(urls):
    connections = []
    for start in range(0, len(urls), CONNECT_BATCH):
        batch = urls[start : start + CONNECT_BATCH]
        connections += await asyncio.gather(
            *(
                connect(url, compression=None, max_queue=None, ping_interval=None)
                for url in batch
            )
        )
    return connections


@contextlib.contextmanager
def profiled(spec):
    """Sample the servers with py-spy while the block runs, if ``spec`` asks."""
    if not spec.get("profile"):
        yield
        return
    spy = [str(Path(PYTHON).parent / "py-spy"), "record", "--pid", str(spec["pids"][0])]
    # --gil: only samples that hold the GIL, i.e. Python at work, not waiting.
    options = ["--rate", "250", "--gil", "--nolineno", "--nonblocking"]
    recorder = subprocess.Popen(
        [*spy, *options, "--format", "raw", "-o", spec["profile"]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # attached
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes what it sampled
        recorder.wait(timeout=60)


# chat ---------------------------------------------------------------------


class Room:
    """What the receivers saw: counts per message, order per receiver."""

    def __init__(self, size):
        self.size = size
        self.counts = Counter()
        self.done = {}
        self.sent_at = {}
        self.latencies = []
        self.last_seen = [None] * size
        self.duplicates = 0
        self.reordered = 0
        self.acks = 0
        self.errors = []
        self.closes = []

    def received(self, index, frame):
        now = time.perf_counter()
        message = json.loads(frame)
        if message["type"] == "ack":
            self.acks += 1
            return
        if message["type"] != "message":
            self.errors.append(message)
            return
        phase, seq = message["text"].split()
        tag = (phase, int(seq))
        if phase == "run":
            self.latencies.append(now - self.sent_at[tag])
            last = self.last_seen[index]
            if last is not None and tag[1] <= last:
                self.duplicates += 1
            elif tag[1] != (last + 1 if last is not None else 0):
                self.reordered += 1
            self.last_seen[index] = tag[1]
        self.counts[tag] += 1
        if self.counts[tag] == self.size and tag in self.done:
            self.done[tag].set()


async def listen(room, index, connection):
    try:
        async for frame in connection:
            room.received(index, frame)
    except Exception as error:  # a dropped receiver is reported, not fatal
        room.closes.append(repr(error))
    else:
        if connection.close_code != 1000:
            room.closes.append(f"closed {connection.close_code}")


async def send_round(room, sender, phase, seq, run_id):
    """Send one message; return whether every receiver got it in time."""
    tag = (phase, seq)
    room.done[tag] = asyncio.Event()
    room.sent_at[tag] = time.perf_counter()
    frame = {"type": "message", "text": f"{phase} {seq}", "client_id": f"{run_id}{seq}"}
    await sender.send(json.dumps(frame))
    try:
        await asyncio.wait_for(room.done[tag].wait(), ROUND_TIMEOUT)
        return True
    except TimeoutError:
        return False


async def chat(spec):
    urls, receivers, pids = spec["urls"], spec["receivers"], spec["pids"]
    raise_file_limit(receivers + 256)
    room = Room(receivers)
    connections = await open_sockets([urls[i % len(urls)] for i in range(receivers)])
    listeners = [
        asyncio.create_task(listen(room, i, c)) for i, c in enumerate(connections)
    ]
    sender = connections[0]
    run_id = secrets.token_hex(4)  # netsite stores a client_id once: never reuse one
    # Until every receiver has seen one message, some may not be members yet.
    for seq in range(WARMUP_ROUNDS):
        if await send_round(room, sender, "warmup", seq, run_id + "w"):
            break
    else:
        raise SystemExit("the receivers never all got a warm-up message")

    with profiled(spec):
        before = [cpu_seconds([pid]) for pid in pids]
        started = time.perf_counter()
        sent = 0
        while time.perf_counter() - started < spec["seconds"]:
            await send_round(room, sender, "run", sent, run_id)
            sent += 1
        wall = time.perf_counter() - started
        cpu = [cpu_seconds([pid]) - b for pid, b in zip(pids, before, strict=True)]

    await asyncio.sleep(0.2)  # late frames still count, as late
    for connection in connections:
        await connection.close()
    await asyncio.gather(*listeners)
    deliveries = sum(room.counts[("run", seq)] for seq in range(sent))
    latencies = sorted(room.latencies)
    return {
        "receivers": receivers,
        "messages": sent,
        "deliveries": deliveries,
        "lost": sent * receivers - deliveries,
        "duplicated": room.duplicates,
        "reordered": room.reordered,
        "acks": room.acks,
        "errors": room.errors[:5],
        "closes": room.closes[:5],
        "seconds": wall,
        "cpu_s": sum(cpu),
        "cpu_s_per_server": cpu,
        # With a core per server process, the busiest one sets the pace.
        "capacity_per_s": deliveries / max(cpu) if max(cpu) else None,
        "cpu_us_per_delivery": sum(cpu) / deliveries * 1e6 if deliveries else None,
        "deliveries_per_s": deliveries / wall,
        "latency_ms_p50": statistics.median(latencies) * 1e3 if latencies else None,
        "latency_ms_p99": latencies[int(0.99 * (len(latencies) - 1))] * 1e3
        if latencies
        else None,
    }


# http ---------------------------------------------------------------------


class Writer:
    """One client connection and what its requests carry."""

    def __init__(self, spec, number):
        self.spec = spec
        self.number = number
        self.sent = 0
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", spec["port"], timeout=60
        )
        self.headers = {}
        self.csrf = None
        if spec.get("json"):  # API writes sign in; reads are anonymous, as the floors
            self.headers["Authorization"] = f"Token {spec['token']}"
        if spec.get("csrf"):
            status, page, response = self.request("GET", spec["csrf"])
            cookies = http.cookies.SimpleCookie()
            for header in response.msg.get_all("Set-Cookie") or ():
                cookies.load(header)
            self.headers["Cookie"] = f"csrftoken={cookies['csrftoken'].value}"
            self.csrf = CSRF_INPUT.search(page.decode()).group(1)

    def request(self, method, path, body=None, headers=None):
        self.connection.request(method, path, body, {**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        return response.status, response.read(), response

    def next(self):
        """Send the workload's next request; return its status."""
        spec = self.spec
        self.sent += 1
        text = f"Benchmark post {self.number}.{self.sent}: nothing to see here."
        if spec.get("form"):
            # A guest may not take a member's name, and the run's member is "bench".
            fields = {"body": text, "display_name": "load tester"}
            if self.csrf:
                fields["csrfmiddlewaretoken"] = self.csrf
            body, kind = urlencode(fields), "application/x-www-form-urlencoded"
        elif spec.get("json"):
            body, kind = json.dumps({"body": text}), "application/json"
        else:
            return self.request("GET", spec["path"])[0]
        return self.request("POST", spec["path"], body, {"Content-Type": kind})[0]


def http_load(spec):
    writers = [Writer(spec, n) for n in range(spec["concurrency"])]
    for writer in writers:
        writer.next()  # warm: connections open, the first request served
    statuses = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(writers) + 1)
    deadline = [0.0]

    def work(writer):
        mine = Counter()
        start.wait()
        while time.monotonic() < deadline[0]:
            mine[writer.next()] += 1
        with lock:
            statuses.update(mine)

    threads = [threading.Thread(target=work, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    with profiled(spec):
        before = cpu_seconds(spec["pids"])
        started = time.perf_counter()
        deadline[0] = time.monotonic() + spec["seconds"]
        start.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu = cpu_seconds(spec["pids"]) - before
    requests = sum(statuses.values())
    return {
        "requests": requests,
        "seconds": wall,
        "cpu_s": cpu,
        "cpu_ms_per_request": cpu / requests * 1e3,
        "requests_per_s": requests / wall,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected": sum(v for k, v in statuses.items() if k != spec["expect"]),
        "server_errors": sum(v for k, v in statuses.items() if k >= 500),
    }


# idle ---------------------------------------------------------------------


async def idle(url, connections, pids):
    raise_file_limit(connections + 512)
    warm = await open_sockets([url] * CONNECT_BATCH)
    await asyncio.sleep(1)
    before = rss_bytes(pids)
    sockets = await open_sockets([url] * connections)
    await asyncio.sleep(3)
    after = rss_bytes(pids)
    open_now = sum(s.close_code is None for s in sockets)
    for connection in warm + sockets:
        await connection.close()
    return {
        "connections": connections,
        "open": open_now,
        "rss_before": before,
        "rss_after": after,
        "bytes_per_connection": (after - before) / connections,
    }


def main(spec):
    if spec["mode"] == "chat":
        return asyncio.run(chat(spec))
    if spec["mode"] == "http":
        return http_load(spec)
    if spec["mode"] == "idle":
        return asyncio.run(idle(spec["url"], spec["connections"], spec["pids"]))
    raise SystemExit(f"unknown mode {spec['mode']!r}")


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))), flush=True)
