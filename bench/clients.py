"""
The benchmark's clients: N WebSocket connections in one room, in this process.

Client 0 also sends. Each message goes out only when every client received
the previous one (a closed loop), so latency is the fan-out itself rather than
queueing, and the server's CPU time over the loop divided by the deliveries is
its cost per delivery. Prints one JSON object on stdout; progress on stderr.

Run by ``bench/fanout.py``: ``python bench/clients.py URL N K SERVER_PID``.
"""

import asyncio
import json
import os
import resource
import statistics
import sys
import time

from websockets.asyncio.client import connect

CONNECT_BATCH = 50
ROUND_TIMEOUT = 10.0  # s: a message not delivered to all by then is missing
WARMUP_ROUNDS = 50


def cpu_seconds(pid):
    """utime + stime of ``pid`` from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


class Room:
    def __init__(self, size):
        self.size = size
        self.counts = {}
        self.done = {}
        self.latencies = []
        self.last_seen = [None] * size
        self.out_of_order = 0
        self.duplicates = 0
        self.closes = []

    def expect(self, tag):
        self.counts[tag] = 0
        self.done[tag] = asyncio.Event()

    def received(self, index, frame):
        now = time.monotonic_ns()
        message = json.loads(frame)
        if message.get("type") != "message":
            return  # an ack or another frame meant for the sender only
        phase, seq, sent = message["text"].split()
        tag = (phase, int(seq))
        if phase == "run":
            self.latencies.append((now - int(sent)) / 1e6)
            last = self.last_seen[index]
            if last is not None and int(seq) <= last:
                self.duplicates += 1
            elif last is not None and int(seq) != last + 1:
                self.out_of_order += 1
            self.last_seen[index] = int(seq)
        if tag in self.counts:
            self.counts[tag] += 1
            if self.counts[tag] >= self.size:
                self.done[tag].set()


async def listen(room, index, connection):
    try:
        async for frame in connection:
            room.received(index, frame)
    except Exception as error:  # a dropped client is reported, not fatal
        room.closes.append(repr(error))
    else:
        room.closes.append(f"closed {connection.close_code}")


async def send_round(room, sender, phase, seq):
    tag = (phase, seq)
    room.expect(tag)
    text = f"{phase} {seq} {time.monotonic_ns()}"
    await sender.send(json.dumps({"type": "message", "text": text}))
    try:
        await asyncio.wait_for(room.done[tag].wait(), ROUND_TIMEOUT)
        return True
    except TimeoutError:
        return False


async def main(url, size, messages, server_pid):
    raise_file_limit(size + 256)
    room = Room(size)
    connections = []
    for start in range(0, size, CONNECT_BATCH):
        batch = range(start, min(size, start + CONNECT_BATCH))
        connections += await asyncio.gather(
            *(connect(url, compression=None, max_queue=None) for _ in batch)
        )
    listeners = [
        asyncio.create_task(listen(room, i, c)) for i, c in enumerate(connections)
    ]
    sender = connections[0]
    # Until every client has seen a message, some may not be members yet.
    for seq in range(WARMUP_ROUNDS):
        if await send_round(room, sender, "warmup", seq):
            break
    else:
        raise SystemExit("clients never all received a warm-up message")
    for seq in range(5):
        await send_round(room, sender, "warmup2", seq)

    missing = 0
    cpu_before = cpu_seconds(server_pid)
    wall_before = time.perf_counter()
    for seq in range(messages):
        if not await send_round(room, sender, "run", seq):
            missing += size - room.counts[("run", seq)]
    wall = time.perf_counter() - wall_before
    cpu = cpu_seconds(server_pid) - cpu_before

    for connection in connections:
        await connection.close()
    await asyncio.gather(*listeners)
    latencies = sorted(room.latencies)
    deliveries = len(latencies)
    result = {
        "clients": size,
        "messages": messages,
        "deliveries": deliveries,
        "missing": missing,
        "duplicates": room.duplicates,
        "out_of_order": room.out_of_order,
        "unexpected_closes": [c for c in room.closes if c != "closed 1000"],
        "server_cpu_s": cpu,
        "wall_s": wall,
        "cpu_us_per_delivery": cpu / deliveries * 1e6 if deliveries else None,
        "latency_ms_p50": statistics.median(latencies) if latencies else None,
        "latency_ms_p99": latencies[int(0.99 * (deliveries - 1))]
        if latencies
        else None,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    url, size, messages, pid = sys.argv[1:5]
    asyncio.run(main(url, int(size), int(messages), int(pid)))
