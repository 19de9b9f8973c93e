"""
Open sockets end with the session they were opened in.

A WebSocket is authenticated once, by the session cookie of its handshake;
after that nothing about the session is read again. So that logging out, or
an account being deactivated or deleted, does not leave a socket that goes on
posting under that name, every socket of a signed-in user joins two
channel-layer groups:

- ``user.<id>``: every socket of the user, in every process;
- ``session.<digest of the session key>``: the sockets of one browser session.

``close_session_sockets`` (on logout) and ``close_user_sockets`` (on
deactivation or deletion) publish a ``session.end`` event to the group on
commit; each socket that gets it closes with ``CLOSE_SIGNED_OUT`` (4401). With
Redis that reaches every process, a management command's included. As a
second line (a process the event cannot reach: the in-memory layer and a
deactivation from ``manage.py shell``), a consumer checks that its user is
still active before it stores anything the user sent (``is_still_active``).

The wiring (``user_logged_out``, saving or deleting a user) is in
``netsite.signals``; the work is here.
"""

import hashlib

from django.contrib.auth import get_user_model

from content.events import publish_on_commit

# The close code of a socket whose session ended (docs/protocol.md).
CLOSE_SIGNED_OUT = 4401
SESSION_END = {"type": "session.end"}


class SessionEnded(Exception):
    """The user of a socket is no longer signed in or no longer active."""


def user_group(user_id):
    return f"user.{user_id}"


def session_group(session_key):
    # A digest, so that the key itself never appears in a group or a log.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def close_session_sockets(*, session_key: str) -> None:
    """Close every socket opened with this session, once the change commits."""
    publish_on_commit(session_group(session_key), SESSION_END)


def close_user_sockets(*, user_id: int) -> None:
    """Close every socket of this user, in every process, once it commits."""
    publish_on_commit(user_group(user_id), SESSION_END)


def is_still_active(user) -> bool:
    """Read again, not from ``user``: whether the account is active now."""
    return get_user_model()._default_manager.filter(pk=user.pk, is_active=True).exists()


class SessionBoundMixin:
    """
    Consumer mixin for ``AsyncWebsocketConsumer``: the socket of a signed-in
    user joins its user's and its session's groups, and closes with 4401 when
    either ends. Frames the client sends after that are dropped.

        class RoomConsumer(SessionBoundMixin, AsyncWebsocketConsumer): ...
    """

    session_ended = False

    async def websocket_connect(self, message):
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            # Channels joins (and on disconnect leaves) everything in groups.
            self.groups = [*self.groups, user_group(user.pk)]
            session = self.scope.get("session")
            if session is not None and session.session_key:
                self.groups.append(session_group(session.session_key))
        await super().websocket_connect(message)

    async def websocket_receive(self, message):
        if not self.session_ended:
            await super().websocket_receive(message)

    async def session_end(self, event):
        await self.end_session()

    async def end_session(self):
        """Close with 4401: the user is no longer signed in on this socket."""
        if not self.session_ended:
            self.session_ended = True
            await self.close(code=CLOSE_SIGNED_OUT)
