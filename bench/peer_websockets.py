"""
The yardstick: a bare ``websockets`` broadcast server doing what netsite does.

Each text frame a client sends is parsed, turned into the same ``message``
frame netsite sends (encoded once) and broadcast to every connection of the
room, sender included. No database, no framework: the cost of a delivery
here is close to the least Python can pay for one.

Run by ``bench/fanout.py``; alone: ``python bench/peer_websockets.py --port 0``
prints ``listening <port>`` and serves until interrupted.
"""

import argparse
import asyncio
import contextlib
import datetime
import itertools
import json
import signal
import sys

from websockets.asyncio.server import broadcast, serve

ROOMS = {}
IDS = itertools.count(1)


def encode_frame(text, client_id):
    """Build the frame exactly as the netsite bench consumer does."""
    return json.dumps(
        {
            "type": "message",
            "id": next(IDS),
            "room": "bench",
            "author": "bench",
            "text": text,
            "created": datetime.datetime.now(datetime.UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "client_id": client_id,
        }
    )


async def room(connection):
    members = ROOMS.setdefault(connection.request.path, set())
    members.add(connection)
    try:
        async for data in connection:
            payload = json.loads(data)
            broadcast(members, encode_frame(payload["text"], payload.get("client_id")))
    finally:
        members.discard(connection)


async def main(port):
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.cancel)
    async with serve(room, "127.0.0.1", port, compression=None) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"listening {bound}", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
    sys.exit(0)
