"""
A chat room on bare ``websockets``: the least Python pays for a delivery.

Each text frame a client sends is parsed, turned into the same ``message``
frame netsite sends (encoded once) and broadcast to every connection on the
same path, sender included. No framework, no database.

    python -m bench.peers.websockets_room --port 8001
"""

import argparse
import asyncio
import contextlib
import datetime
import itertools
import json
import signal
from collections import defaultdict

from websockets.asyncio.server import broadcast, serve

ROOMS = defaultdict(set)
IDS = itertools.count(1)


def encode_frame(text, client_id):
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
    members = ROOMS[connection.request.path]
    members.add(connection)
    try:
        async for data in connection:
            payload = json.loads(data)
            broadcast(members, encode_frame(payload["text"], payload.get("client_id")))
    finally:
        members.discard(connection)


async def main(port):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.cancel)
    async with serve(room, "127.0.0.1", port, compression=None):
        with contextlib.suppress(asyncio.CancelledError):
            await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
