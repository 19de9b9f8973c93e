"""
``manage.py chat <room>``: a terminal client for a chat room.

It speaks the same WebSocket protocol as the room page (docs/protocol.md):
prints the room's latest messages (read through the REST API), then each
message as it arrives, sends each typed line with a
``client_id``, reports acks and errors, and on a dropped connection
reconnects with jittered backoff, resumes with ``?after=<last id seen>`` and
sends again whatever was not acknowledged (the server stores a retried
``client_id`` once). Ctrl-D (end of input) waits briefly for outstanding acks,
then exits; Ctrl-C exits at once.

``--user NAME`` logs in first (through the site's login form, with the
password from ``NETSITE_CHAT_PASSWORD`` or asked for), so that lines are sent
as that member, who may then change their own messages: ``/edit <id> <new
text>`` and ``/delete <id>`` send the protocol's ``edit`` and ``delete``
frames (a guest is refused, as on the page).
"""

import asyncio
import contextlib
import getpass
import json
import os
import random
import re
import sys
import threading
import uuid
from http.cookiejar import CookieJar
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener, urlopen

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from django.core.management.base import BaseCommand, CommandError

from content.words import counted

ACK_WAIT = 5  # seconds to wait for outstanding acks after end of input
HISTORY = 20  # messages shown on start
PASSWORD_VARIABLE = "NETSITE_CHAT_PASSWORD"  # noqa: S105 (a name, not a password)
EDIT_USAGE = "! usage: /edit <message id> <new text>"
DELETE_USAGE = "! usage: /delete <message id>"


class Resume(Exception):
    """Reconnect at once (the server asked for it, or a replay was truncated)."""


class TerminalClient:
    def __init__(self, *, base_url, slug, name, stdin, write):
        http_url = re.sub(r"^ws", "http", base_url)
        self.http_url = http_url
        self.cookie = None  # the session's, once logged in
        self.page_url = f"{http_url}/chat/{quote(slug)}/"
        self.api_url = f"{http_url}/api/rooms/{quote(slug)}/messages/"
        self.ws_url = base_url + f"/ws/chat/{quote(slug)}/"
        self.name = name
        self.stdin = stdin
        self.write = write
        self.last_id = 0
        self.unacked = {}  # client_id -> frame, in sending order
        self.lines = None
        self.eof = None

    def start_reader(self, loop):
        """Read stdin in a daemon thread: a blocked read never stops the exit."""

        def read():
            for line in iter(self.stdin.readline, ""):
                loop.call_soon_threadsafe(self.lines.put_nowait, line)
            loop.call_soon_threadsafe(self.eof.set)
            loop.call_soon_threadsafe(self.lines.put_nowait, None)

        threading.Thread(target=read, daemon=True).start()

    def log_in(self, username, password):
        """
        Log in through the site's own login form (CSRF token, lockout and
        all) and keep the session cookie for the WebSocket.
        """
        jar = CookieJar()
        opener = build_opener(HTTPCookieProcessor(jar))
        url = f"{self.http_url}/accounts/login/"
        try:
            opener.open(url, timeout=10).close()
            token = next((c.value for c in jar if c.name == "csrftoken"), "")
            body = urlencode(
                {
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": token,
                }
            ).encode()
            request = Request(url, data=body, headers={"Referer": url})  # noqa: S310
            opener.open(request, timeout=10).close()
        except HTTPError as error:
            raise CommandError(f"Logging in at {url} answered {error.code}.") from None
        except (URLError, OSError) as error:
            raise CommandError(
                f"Cannot reach {url}: {getattr(error, 'reason', error)}. "
                "Is the server running (manage.py serve)?"
            ) from None
        cookies = {cookie.name: cookie.value for cookie in jar}
        if "sessionid" not in cookies:
            raise CommandError(
                f"Could not log in as {username!r}: wrong username or password "
                "(or too many failures: the account is locked for a while)."
            )
        self.cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())

    def fetch_history(self):
        """
        Return the room's latest messages, oldest first, from the REST API.

        The newest one's id is where the socket resumes, so no gap is possible
        between what is printed here and what arrives live.
        """
        url = f"{self.api_url}?limit={HISTORY}"
        try:
            with urlopen(url, timeout=10) as response:  # noqa: S310
                page = json.load(response)
        except HTTPError as error:
            if error.code == 404:
                raise CommandError(f"There is no room at {self.page_url}.") from None
            raise CommandError(f"{url} answered {error.code}.") from None
        except (URLError, OSError, ValueError) as error:
            raise CommandError(
                f"Cannot reach {url}: {getattr(error, 'reason', error)}. "
                "Is the server running (manage.py serve)?"
            ) from None
        return page["results"][::-1]

    async def run(self):
        loop = asyncio.get_running_loop()
        self.lines, self.eof = asyncio.Queue(), asyncio.Event()
        for message in await asyncio.to_thread(self.fetch_history):
            self.show({"type": "message", **message})
        self.start_reader(loop)
        attempt = 0
        while True:
            minimum = 0.0
            try:
                async with connect(
                    f"{self.ws_url}?after={self.last_id}",
                    open_timeout=10,
                    max_size=64 * 1024,
                    additional_headers={"Cookie": self.cookie} if self.cookie else None,
                ) as ws:
                    if attempt:
                        self.write("* reconnected")
                    else:
                        self.write(f"* connected to {self.ws_url} (Ctrl-D to leave)")
                    attempt = 0
                    if await self.session(ws):
                        return
            except Resume:
                continue
            except InvalidStatus as error:
                if error.response.status_code == 403:
                    raise CommandError(
                        f"The server refused {self.ws_url}: the room may have "
                        "been deleted."
                    ) from None
            except ConnectionClosed as error:
                code = error.rcvd.code if error.rcvd else None
                if code == 4409:
                    continue
                if code == 4404:
                    raise CommandError("The room was deleted.") from None
                if code == 4429:
                    self.write("! closed for flooding")
                    minimum = 10.0
            except (OSError, InvalidHandshake, TimeoutError):
                pass
            if self.eof.is_set():
                self.report_unsent()
                return
            attempt += 1
            delay = max(minimum, random.uniform(0, min(30.0, 0.5 * 2**attempt)))
            self.write(f"* disconnected; reconnecting in {delay:.1f} s")
            try:
                await asyncio.wait_for(self.eof.wait(), delay)
            except TimeoutError:
                continue
            self.report_unsent()
            return

    def report_unsent(self):
        if self.unacked:
            unacked = counted(len(self.unacked), "message", "messages")
            self.write(f"! {unacked} not acknowledged")

    async def session(self, ws):
        """Talk on one connection; return True when input ended (time to go)."""
        for frame in self.unacked.values():
            await ws.send(json.dumps(frame))
        receiving = asyncio.ensure_future(self.receive(ws))
        reading = asyncio.ensure_future(self.lines.get())
        try:
            while True:
                done, _ = await asyncio.wait(
                    {receiving, reading}, return_when=asyncio.FIRST_COMPLETED
                )
                if reading in done:
                    line = reading.result()
                    if line is None:
                        await self.finish(ws, receiving)
                        return True
                    await self.send_line(ws, line)
                    reading = asyncio.ensure_future(self.lines.get())
                if receiving in done:
                    receiving.result()  # raises why the connection ended
                    return False
        finally:
            # A cancelled Queue.get loses no line; an unacked line is resent.
            reading.cancel()
            receiving.cancel()

    async def send_line(self, ws, line):
        text = line.rstrip("\r\n")
        if not text.strip():
            return
        command, _, rest = text.partition(" ")
        if command in ("/edit", "/delete"):
            frame = self.change_frame(command, rest)
            if frame is not None:
                await ws.send(json.dumps(frame))
            return
        frame = {"type": "message", "text": text, "client_id": uuid.uuid4().hex}
        if self.name:
            frame["name"] = self.name
        self.unacked[frame["client_id"]] = frame
        await ws.send(json.dumps(frame))

    def change_frame(self, command, rest):
        """Return the edit or delete frame a command line asks for, or None."""
        number, _, text = rest.strip().partition(" ")
        usage = EDIT_USAGE if command == "/edit" else DELETE_USAGE
        if not number.isdigit() or (command == "/edit" and not text.strip()):
            self.write(usage)
            return None
        if command == "/delete":
            return {"type": "delete", "id": int(number)}
        return {"type": "edit", "id": int(number), "text": text}

    async def finish(self, ws, receiving):
        """After end of input: wait a little for acks, then close cleanly."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ACK_WAIT
        while self.unacked and not receiving.done() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.report_unsent()
        await ws.close()

    async def receive(self, ws):
        async for raw in ws:
            try:
                frame = json.loads(raw)
            except (TypeError, ValueError):
                continue
            self.show(frame)
            waiting = self.unacked.get(frame.get("client_id"))
            if frame.get("code") == "rate_limited" and waiting is not None:
                # Not stored, and not dropped: sent again once the server
                # allows (or on the next connection, with the other unacked).
                asyncio.ensure_future(
                    self.resend(ws, waiting, frame.get("retry_after") or 1)
                )

    async def resend(self, ws, frame, delay):
        await asyncio.sleep(delay)
        if frame["client_id"] in self.unacked:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(json.dumps(frame))

    def show(self, frame):
        kind = frame.get("type")
        if kind == "message":
            self.last_id = max(self.last_id, frame["id"])
            when = frame["created"][11:16]
            guest = " (guest)" if frame.get("guest") else ""
            edited = " (edited)" if frame.get("edited_at") else ""
            self.write(
                f"[{when}] #{frame['id']} {frame['author']}{guest}: "
                f"{frame['text']}{edited}"
            )
        elif kind == "ack":
            self.unacked.pop(frame.get("client_id"), None)
            self.write(f"✓ delivered (#{frame['id']})")
        elif kind == "error":
            if frame.get("code") != "rate_limited":
                self.unacked.pop(frame.get("client_id"), None)
            extra = (
                f" (retry after {frame['retry_after']} s)"
                if "retry_after" in frame
                else ""
            )
            self.write(f"! {frame['code']}: {frame['detail']}{extra}")
        elif kind == "edited":
            self.write(f"✓ edited #{frame['id']}")
        elif kind == "deleted":
            self.write(f"✓ deleted #{frame['id']}")
        elif kind == "delete":
            self.write(f"* message #{frame['id']} was removed")
        elif kind == "clear":
            self.write("* the room was cleared by a moderator")
        elif kind == "replay_truncated":
            self.last_id = frame["next_after"]
            raise Resume


class Command(BaseCommand):
    help = "Chat in a room from the terminal: type lines, Ctrl-D to leave."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("room", help="The room's slug, as in /chat/<slug>/.")
        parser.add_argument(
            "--url",
            default="ws://127.0.0.1:8000",
            help="The server's WebSocket address (default ws://127.0.0.1:8000).",
        )
        parser.add_argument("--name", default="", help="Your name, as a guest.")
        parser.add_argument(
            "--user",
            default="",
            help="Log in as this member first (password from "
            f"{PASSWORD_VARIABLE}, or asked for); members may /edit and "
            "/delete their own messages.",
        )

    def handle(self, *args, room, url, name, user, **options):
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise CommandError(
                f"--url {url!r} is not a WebSocket address: write "
                "ws://host:port or wss://host."
            )

        def write(line):
            self.stdout.write(line)
            self.stdout.flush()

        client = TerminalClient(
            base_url=url.rstrip("/"),
            slug=room,
            name=name,
            stdin=options.get("stdin") or sys.stdin,
            write=write,
        )
        if user:
            password = os.environ.get(PASSWORD_VARIABLE)
            if password is None:
                password = getpass.getpass(f"Password for {user}: ")
            client.log_in(user, password)
        try:
            asyncio.run(client.run())
        except KeyboardInterrupt:
            client.report_unsent()
        write("* bye")
