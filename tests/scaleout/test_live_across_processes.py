"""
Live delivery across processes: chat rooms, the board stream and moderation
reach sockets on the other process through Redis; so does ``manage.py say``.
"""

import itertools
import json
import time
import uuid

import pytest
from websockets.sync.client import connect

from django.conf import settings

from tests.live import HttpSession
from tests.scaleout.test_shared_state import unique, visitor

FRAME_TIMEOUT = 10.0
_addresses = (f"203.0.113.{n}" for n in itertools.count(1))


def make_room(server):
    title = f"Room {uuid.uuid4().hex[:8]}"
    return server.shell(
        "from chat.services import create_room\n"
        f"print(create_room(title={title!r}).slug)\n"
    ).strip()


def open_socket(server, path, *, address=None):
    """
    A WebSocket client from ``address``, or an address of its own (the servers
    trust X-Forwarded-For).
    """
    ws_url = server.url.replace("http://", "ws://") + path
    return connect(
        ws_url,
        additional_headers={"X-Forwarded-For": address or next(_addresses)},
        open_timeout=FRAME_TIMEOUT,
        proxy=None,  # a local server: never through an http_proxy from the env
    )


def frames(socket, *, until, timeout=FRAME_TIMEOUT):
    """Collect JSON frames until ``until(collected)`` holds; fail on timeout."""
    collected = []
    deadline = time.monotonic() + timeout
    while not until(collected):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"timed out waiting for frames; got {collected!r}")
        collected.append(json.loads(socket.recv(timeout=remaining)))
    return collected


def messages(collected):
    return [frame for frame in collected if frame["type"] == "message"]


def test_chat_messages_cross_processes_in_order_and_exactly_once(cluster):
    a, b = cluster
    slug = make_room(a)
    count = 5
    with (
        open_socket(a, f"/ws/chat/{slug}/") as on_a,
        open_socket(b, f"/ws/chat/{slug}/") as on_b,
    ):
        sent = {"a": [], "b": []}
        for i in range(count):
            for name, socket in (("a", on_a), ("b", on_b)):
                text = unique(f"{name}{i}")
                sent[name].append(text)
                socket.send(
                    json.dumps({"type": "message", "text": text, "client_id": text})
                )
        everything = sorted(sent["a"] + sent["b"])

        for socket in (on_a, on_b):
            got = messages(
                frames(socket, until=lambda c: len(messages(c)) >= 2 * count)
            )
            texts = [frame["text"] for frame in got]
            assert sorted(texts) == everything  # each exactly once
            for name in ("a", "b"):
                assert [t for t in texts if t in sent[name]] == sent[name]
            ids = [frame["id"] for frame in got]
            assert len(set(ids)) == len(ids)


def test_a_post_made_through_a_form_on_a_reaches_a_board_socket_on_b(cluster):
    a, b = cluster
    body = unique("from A to B live")
    with open_socket(b, "/ws/board/") as board:
        status, _ = visitor().post_form(a.url + "/board/", {"body": body})
        assert status == 200

        got = frames(
            board,
            until=lambda c: any(f["type"] == "post" and body in f["html"] for f in c),
        )
    post = next(f for f in got if f["type"] == "post" and body in f["html"])
    assert "<script" not in post["html"]


def test_a_reply_on_a_reaches_its_topic_page_and_the_board_on_b(cluster):
    a, b = cluster
    topic_id = int(
        a.shell(
            "from board.services import create_post\n"
            f"print(create_post(body={unique('topic')!r})[0].pk)\n"
        ).strip()
    )
    body = unique("reply from A")
    with (
        open_socket(b, f"/ws/board/t/{topic_id}/") as topic_page,
        open_socket(b, "/ws/board/") as board,
    ):
        status, _ = visitor().post_form(f"{a.url}/board/t/{topic_id}/", {"body": body})
        assert status == 200

        got = frames(
            topic_page,
            until=lambda c: any(f["type"] == "post" and body in f["html"] for f in c),
        )
        line = frames(
            board,
            until=lambda c: any(
                f["type"] == "topic" and f["id"] == topic_id for f in c
            ),
        )[-1]
    reply = next(f for f in got if f["type"] == "post")
    assert reply["topic"] == topic_id
    assert line["replies"] == 1
    assert f'id="topic-{topic_id}"' in line["html"]


def admin_session(server):
    """An HttpSession logged into the admin as a new moderator."""
    username, password = f"mod{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    server.shell(
        "from django.contrib.auth.models import Group, User\n"
        f"user = User.objects.create_user({username!r}, password={password!r},"
        " is_staff=True)\n"
        "user.groups.add(Group.objects.get(name='Moderators'))\n"
    )
    session = HttpSession(headers={"X-Forwarded-For": next(_addresses)})
    status, _ = session.post_form(
        server.url + "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
    )
    assert status == 200
    return session


def test_a_reply_a_moderator_hides_on_a_recounts_its_topic_on_b(cluster):
    a, b = cluster
    ids = a.shell(
        "from board.services import create_post\n"
        f"topic = create_post(body={unique('topic')!r})[0]\n"
        "reply = create_post(body='to be hidden', topic=topic)[0]\n"
        "print(topic.pk, reply.pk)\n"
    )
    topic_id, reply_id = (int(i) for i in ids.split())
    moderator = admin_session(a)
    with (
        open_socket(b, f"/ws/board/t/{topic_id}/") as topic_page,
        open_socket(b, "/ws/board/") as board,
    ):
        status, _ = moderator.post_form(
            f"{a.url}/board/posts/{reply_id}/hide/",
            {"next": f"/board/t/{topic_id}/"},
        )
        assert status == 200

        frames(topic_page, until=lambda c: {"type": "delete", "id": reply_id} in c)
        line = frames(
            board,
            until=lambda c: any(
                f["type"] == "topic" and f["id"] == topic_id for f in c
            ),
        )[-1]
    assert line["replies"] == 0
    assert "0 replies</a>" in line["html"]


def test_a_message_a_moderator_hides_on_a_leaves_a_socket_on_b(cluster):
    a, b = cluster
    slug = make_room(a)
    moderator = admin_session(a)
    text = unique("to be hidden")
    with open_socket(b, f"/ws/chat/{slug}/") as on_b:
        on_b.send(json.dumps({"type": "message", "text": text}))
        stored = messages(frames(on_b, until=lambda c: messages(c)))[0]

        status, page = moderator.post_form(
            a.url + "/admin/chat/message/",
            {"action": "hide_selected", "_selected_action": stored["id"], "index": 0},
        )
        assert status == 200, page

        frames(
            on_b,
            until=lambda c: {"type": "delete", "id": stored["id"]} in c,
        )


def test_manage_py_say_reaches_clients_on_both_processes(cluster):
    a, b = cluster
    slug = make_room(a)
    text = unique("Announcement")
    with (
        open_socket(a, f"/ws/chat/{slug}/") as on_a,
        open_socket(b, f"/ws/chat/{slug}/") as on_b,
    ):
        # A third process, sharing only PostgreSQL and Redis with the servers.
        a.manage("say", slug, text)

        for socket in (on_a, on_b):
            got = messages(frames(socket, until=lambda c: messages(c)))
            assert [(f["author"], f["text"]) for f in got] == [("system", text)]


def test_the_chat_rate_counts_one_sender_on_both_processes_together(cluster):
    """Reconnecting to the other process does not buy a new allowance."""
    limit, window = settings.NETSITE_CHAT_RATE
    a, b = cluster
    slug = make_room(a)
    # The limit counts in fixed windows: a run that straddles a window's end
    # starts counting again halfway, so such a run is repeated.
    for _attempt in range(3):
        address = next(_addresses)
        started = int(time.time() // window)
        answers = []
        for n, server in enumerate([a] * limit + [b]):
            with open_socket(server, f"/ws/chat/{slug}/", address=address) as socket:
                key = unique(f"rate {n}")
                socket.send(
                    json.dumps({"type": "message", "text": key, "client_id": key})
                )
                answers.append(
                    frames(
                        socket, until=lambda c: c and c[-1]["type"] in ("ack", "error")
                    )[-1]
                )
        if int(time.time() // window) == started:
            break

    assert [answer["type"] for answer in answers] == ["ack"] * limit + ["error"]
    refused = answers[-1]
    assert (refused["code"], refused["client_id"]) == ("rate_limited", key)
    assert 1 <= refused["retry_after"] <= window


def test_the_room_list_on_one_process_hears_activity_and_topics_from_another(
    cluster,
):
    a, b = cluster
    slug = make_room(a)
    with (
        open_socket(b, "/ws/rooms/") as listing,
        open_socket(a, f"/ws/chat/{slug}/") as room,
    ):
        text = unique("activity")
        room.send(json.dumps({"type": "message", "text": text, "client_id": text}))
        (ack,) = [
            f
            for f in frames(
                room, until=lambda got: any(f["type"] == "ack" for f in got)
            )
            if f["type"] == "ack"
        ]
        activity = frames(
            listing,
            until=lambda got: any(
                f["type"] == "activity" and f["room"] == slug for f in got
            ),
        )[-1]
        assert (activity["id"], activity["guest"]) == (ack["id"], True)

        # An operator's change of the topic, from a third process.
        a.manage("room", "topic", slug, "Across processes")
        changed = frames(
            listing,
            until=lambda got: any(
                f["type"] == "room" and f["room"] == slug for f in got
            ),
        )[-1]
        assert changed["topic"] == "Across processes"
