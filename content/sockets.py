"""
Per-person socket groups: a way to reach every open socket of one person.

Each consumer that mixes in ``PersonalGroupsMixin`` joins, on accepting, the
group of its member (``user.<id>``) or, for a guest, of its address
(``address.<hash>``). Publishing ``{"type": "user.close", "code": N}`` to such
a group closes all of that person's sockets, in every process: a ban does it
so that a banned member's open chat rooms stop at once. ``{"type": "user.notice",
"kind": K, "text": FRAME}`` hands a frame to those of the person's sockets
whose consumer lists ``K`` in ``notices`` (a chat page takes mentions); the
others ignore it.
"""

import hashlib

CLOSE_EVENT = "user.close"
NOTICE_EVENT = "user.notice"
# The close code a banned person's sockets get (docs/protocol.md).
CLOSE_BANNED = 4403


def user_group(user_id):
    return f"user.{user_id}"


def address_group(address):
    # Group names are ASCII letters, digits, '-', '_' and '.': IPv6 has ':'.
    return "address." + hashlib.sha256(address.encode()).hexdigest()[:32]


def close_event(code):
    return {"type": CLOSE_EVENT, "code": code}


def notice_event(kind, text):
    """Return the event that hands the encoded frame ``text`` to ``kind``'s takers."""
    return {"type": NOTICE_EVENT, "kind": kind, "text": text}


def scope_address(scope):
    client = scope.get("client")
    return client[0] if client else "unknown"


class PersonalGroupsMixin:
    """Consumer mixin: join the person's group; close on ``user.close``."""

    # The kinds of ``user.notice`` this consumer passes on to its client.
    notices = frozenset()

    def personal_groups(self):
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            return [user_group(user.pk)]
        return [address_group(scope_address(self.scope))]

    async def accept(self, *args, **kwargs):
        # Joined on accepting, so that a refused handshake joins nothing.
        self.personal = self.personal_groups()
        for group in self.personal:
            await self.channel_layer.group_add(group, self.channel_name)
        await super().accept(*args, **kwargs)

    async def websocket_disconnect(self, message):
        for group in getattr(self, "personal", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        await super().websocket_disconnect(message)

    async def user_close(self, event):
        await self.close(code=event.get("code", 1000))

    async def user_notice(self, event):
        if event["kind"] in self.notices:
            await self.send(text_data=event["text"])
