"""
A chat room and two constant responses as a raw ASGI app on daphne.

No Django and no Channels: ``ROOMS`` maps a path to the ``send`` callables of
its members, and a text frame becomes the same ``message`` frame netsite
sends, encoded once and passed to each member's ``send`` in a loop. This is
the floor of the mandated server: what a delivery or a request costs in
daphne itself.

HTTP ``GET /`` answers the bytes of the file named by ``BENCH_PAGE`` and
``GET /api/posts/`` those of ``BENCH_JSON`` (the runner saves netsite's own
board page and API list there, so the sizes match).

    daphne -b 127.0.0.1 -p 8001 bench.peers.asgi_room:application
"""

import datetime
import itertools
import json
import os
from collections import defaultdict
from pathlib import Path

ROOMS = defaultdict(set)
IDS = itertools.count(1)


def saved(variable):
    """Return the bytes of the file that ``variable`` names (none when unset)."""
    name = os.environ.get(variable)
    return Path(name).read_bytes() if name else b""


RESPONSES = {
    "/": (saved("BENCH_PAGE"), b"text/html; charset=utf-8"),
    "/api/posts/": (saved("BENCH_JSON"), b"application/json"),
}


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


async def room(scope, receive, send):
    members = ROOMS[scope["path"]]
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            members.add(send)
        elif event["type"] == "websocket.receive":
            payload = json.loads(event["text"])
            text = encode_frame(payload["text"], payload.get("client_id"))
            frame = {"type": "websocket.send", "text": text}
            for member in list(members):
                await member(frame)
        elif event["type"] == "websocket.disconnect":
            members.discard(send)
            return


async def respond(scope, receive, send):
    body, content_type = RESPONSES.get(scope["path"], (b"Not found", b"text/plain"))
    status = 200 if scope["path"] in RESPONSES else 404
    headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        await room(scope, receive, send)
    elif scope["type"] == "http":
        await respond(scope, receive, send)
