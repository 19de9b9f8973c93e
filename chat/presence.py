"""
Presence: who has a room open right now.

Every chat socket is one connection of one *person*: a member (by account) or
a guest (by browser session, else by address), so a person with several tabs
open counts once and leaves when the last one closes. Each process keeps its
own connections in memory (``Tracker``) and writes, per room, the people they
belong to into the cache under a key of its own,
``presence.<room>.<process>``, which expires after ``NETSITE_PRESENCE_TTL``
seconds. A heartbeat rewrites those keys three times per TTL, so the people
of a process that dies, even by kill -9, disappear when its keys expire. The
cache is Redis on the scale-out tier, where every process reads every other's
share, and local memory on the embedded tier's one process.

A room's presence is the union of those shares: members by name and a count
of guests (``presence_frame``). When it changes, a ``presence`` frame goes to
the room's presence group, which only the sockets that asked for presence
(``?presence=1``) join: after a join or a leave, debounced so that a reload
(a leave and a join) sends nothing, and at each heartbeat, which is how a dead
process's people are seen to go. The last frame sent is kept in the cache:
a heartbeat that finds nothing new sends nothing, and whichever process
notices a change first announces it. Message delivery never comes here: the
presence group is not the room's group.
"""

import asyncio
import contextlib
import hashlib
import logging
import os
import time
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from django.conf import settings
from django.core.cache import cache

from content.events import encode_frame

logger = logging.getLogger(__name__)

# This process's name in the cache: unique even when a pid is reused.
PROCESS = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
# Seconds to gather joins and leaves before announcing them.
DEBOUNCE = 0.5
# Seconds to wait for (and hold at most) the lock of a room's process list.
LOCK_SECONDS = 2.0
# How long a room's last announced frame is remembered.
SHOWN_SECONDS = 24 * 3600


def group_for(room_id):
    """Return the group of the sockets that receive a room's presence and typing."""
    return f"chat.presence.{room_id}"


def person_of(scope):
    """
    Return ``(person, name, guest)`` for a socket's scope: who it counts as.

    Guests are told apart by browser session when they have one, else by
    address; the keys are digests, never a session key itself.
    """
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return f"user.{user.pk}", user.get_username(), False
    session = scope.get("session")
    session_key = getattr(session, "session_key", None)
    if session_key:
        raw = "session:" + session_key
    else:
        client = scope.get("client")
        raw = "address:" + (client[0] if client else "unknown")
    return "guest." + hashlib.sha256(raw.encode()).hexdigest()[:24], "guest", True


def presence_frame(people):
    """Return the ``presence`` frame of ``people`` (person -> (name, guest))."""
    members = {name for name, guest in people.values() if not guest}
    return {
        "type": "presence",
        "members": sorted(members, key=lambda name: (name.casefold(), name)),
        "guests": sum(1 for _name, guest in people.values() if guest),
    }


def _key(room_id, suffix):
    return f"presence.{room_id}.{suffix}"


@contextlib.contextmanager
def _locked(room_id):
    """Hold a room's lock (best effort: after LOCK_SECONDS, go on without it)."""
    key = _key(room_id, "lock")
    deadline = time.monotonic() + LOCK_SECONDS
    while not (held := cache.add(key, PROCESS, timeout=LOCK_SECONDS)):
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    try:
        yield
    finally:
        if held:
            cache.delete(key)


def _write_share(room_id, people):
    """Store this process's ``people`` in ``room_id`` (or remove its share)."""
    key, processes_key = _key(room_id, PROCESS), _key(room_id, "processes")
    if not people:
        cache.delete(key)
        return
    cache.set(key, people, timeout=settings.NETSITE_PRESENCE_TTL)
    if PROCESS not in (cache.get(processes_key) or ()):
        with _locked(room_id):
            processes = set(cache.get(processes_key) or ())
            processes.add(PROCESS)
            cache.set(processes_key, sorted(processes), timeout=None)


def read(room_id, *, local=None):
    """
    Return the ``presence`` frame of ``room_id``, from every process's share
    in the cache, this process's taken from ``local`` when given (it may be
    newer than the cache). Processes whose share expired are forgotten.
    """
    processes_key = _key(room_id, "processes")
    processes = cache.get(processes_key) or []
    others = [p for p in processes if local is None or p != PROCESS]
    shares = cache.get_many([_key(room_id, p) for p in others])
    gone = {p for p in others if _key(room_id, p) not in shares}
    if gone:
        with _locked(room_id):
            left = set(cache.get(processes_key) or ()) - gone
            if left:
                cache.set(processes_key, sorted(left), timeout=None)
            else:
                cache.delete(processes_key)
    people = {}
    for share in shares.values():
        people.update(share)
    people.update(local or {})
    return presence_frame(people)


def _store_and_compare(shares):
    """
    Write this process's ``shares`` (room -> people) and return ``[(room,
    frame text)]`` for the rooms whose presence differs from what was last
    announced.
    """
    changed = []
    for room_id, people in shares.items():
        _write_share(room_id, people)
        text = encode_frame(read(room_id))
        shown_key = _key(room_id, "shown")
        if cache.get(shown_key) != text:
            cache.set(shown_key, text, timeout=SHOWN_SECONDS)
            changed.append((room_id, text))
    return changed


def presence_event(text):
    return {"type": "chat.presence", "text": text}


class Tracker:
    """
    This process's chat connections, room by room, and the task that writes
    them to the cache and announces changes (the module docstring explains).
    """

    def __init__(self):
        self.rooms = {}  # room id -> {channel name: (person, name, guest)}
        self.dirty = set()
        self.loop = None
        self.task = None
        self.wake = None

    def people(self, room_id):
        """Return this process's people in ``room_id``: person -> (name, guest)."""
        return {
            person: (name, guest)
            for person, name, guest in self.rooms.get(room_id, {}).values()
        }

    async def join(self, room_id, channel, who, *, snapshot=False):
        """
        Count ``channel`` (``who`` is ``person_of``'s answer) in ``room_id``;
        return the room's ``presence`` frame if ``snapshot``, else ``None``.
        """
        self._ensure_running()
        self.rooms.setdefault(room_id, {})[channel] = who
        self._changed(room_id)
        if not snapshot:
            return None
        return await sync_to_async(read, thread_sensitive=False)(
            room_id, local=self.people(room_id)
        )

    def leave(self, room_id, channel):
        connections = self.rooms.get(room_id)
        if connections is None or connections.pop(channel, None) is None:
            return
        if not connections:
            del self.rooms[room_id]
        self._changed(room_id)

    def _changed(self, room_id):
        self.dirty.add(room_id)
        if self.wake is not None:
            self.wake.set()

    def _ensure_running(self):
        loop = asyncio.get_running_loop()
        if loop is not self.loop:
            # A new event loop (a test's): what the old one tracked is gone.
            self.rooms.clear()
            self.dirty.clear()
            self.loop, self.task = loop, None
            self.wake = asyncio.Event()
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run(), name="chat presence")

    async def _run(self):
        loop = asyncio.get_running_loop()
        beat = settings.NETSITE_PRESENCE_TTL / 3
        next_beat = loop.time() + beat
        while self.rooms or self.dirty:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.wake.wait(), timeout=max(0.0, next_beat - loop.time())
                )
            if self.wake.is_set():
                await asyncio.sleep(DEBOUNCE)
                self.wake.clear()
            rooms = set(self.dirty)
            if loop.time() >= next_beat:
                rooms |= set(self.rooms)
                next_beat = loop.time() + beat
            self.dirty.clear()
            try:
                await self._flush(rooms)
            except Exception:
                # The cache or the layer is away: the next beat tries again.
                logger.exception("presence update failed")
                self.dirty |= rooms
        self.task = None

    async def _flush(self, rooms):
        shares = {room_id: self.people(room_id) for room_id in rooms}
        changed = await sync_to_async(_store_and_compare, thread_sensitive=False)(
            shares
        )
        layer = get_channel_layer()
        for room_id, text in changed:
            await layer.group_send(group_for(room_id), presence_event(text))


tracker = Tracker()
