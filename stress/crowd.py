"""
A thousand sockets in one chat room, every broadcast delivered to all.

The sockets connect 50 at a time (a real crowd arrives over a few seconds,
and daphne's listen backlog is 50), then a separate client sends messages one
by one; each must reach every one of the thousand before the next is sent.
"""

import asyncio
import contextlib
import json
import statistics
import time

from websockets.asyncio.client import connect

from stress.site import ROOM, UNLIMITED

NAME = "crowd"
SOCKETS = 1000
DELIVERY_LIMIT = 30  # seconds for one message to reach every socket


async def _crowd(run, site, broadcasts):
    url = f"{site.ws_url}/ws/chat/{ROOM}/"
    gate = asyncio.Semaphore(50)
    seen = [set() for _ in range(SOCKETS)]
    arrived = asyncio.Event()

    async def member(i):
        async with gate:
            ws = await connect(url, open_timeout=60, ping_interval=None)
        return ws

    async def listen(i, ws):
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "message":
                seen[i].add(frame["id"])
                arrived.set()

    results = await asyncio.gather(
        *(member(i) for i in range(SOCKETS)), return_exceptions=True
    )
    sockets = [ws for ws in results if not isinstance(ws, BaseException)]
    failures = [repr(r)[:120] for r in results if isinstance(r, BaseException)]
    run.progress(f"{len(sockets)} sockets open, {len(failures)} refused")
    listeners = [asyncio.create_task(listen(i, ws)) for i, ws in enumerate(sockets)]
    latencies, missed = [], 0
    async with connect(url, open_timeout=60) as sender:
        for n in range(broadcasts):
            client_id = f"crowd-{n}"
            started = time.monotonic()
            await sender.send(
                json.dumps(
                    {"type": "message", "text": client_id, "client_id": client_id}
                )
            )
            while True:
                frame = json.loads(await asyncio.wait_for(sender.recv(), 30))
                if frame["type"] == "ack":
                    break
            deadline = started + DELIVERY_LIMIT
            while time.monotonic() < deadline:
                if all(frame["id"] in got for got in seen[: len(sockets)]):
                    break
                arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), 1)
            reached = sum(frame["id"] in got for got in seen[: len(sockets)])
            missed += len(sockets) - reached
            latencies.append(time.monotonic() - started)
            run.progress(f"broadcast {n + 1}/{broadcasts}: {reached}/{len(sockets)}")
    closed = sum(1 for task in listeners if task.done())
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return len(sockets), failures, missed, latencies, closed


def run(run):
    broadcasts = run.pick(5, 20)
    with run.site("crowd", **UNLIMITED) as site:
        opened, failures, missed, latencies, closed = asyncio.run(
            _crowd(run, site, broadcasts)
        )
        rss = site.rss()
    run.check(
        f"{NAME}: {SOCKETS:,} sockets in one room, {broadcasts} broadcasts to all",
        opened == SOCKETS and not missed and not closed,
        f"{opened:,} open ({len(failures)} refused"
        + (f", e.g. {failures[0]}" if failures else "")
        + f"), {missed:,} deliveries missing, {closed} closed early; sent to all "
        f"in median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s; "
        f"server RSS {rss / 2**20:.0f} MB",
    )
