"""Two netsite processes on one PostgreSQL and one Redis behave as one site."""

import itertools
import time
import uuid

from redis import Redis

from django.conf import settings

from tests.live import HttpSession

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def visitor():
    """A client from an address no other test uses (the servers trust XFF)."""
    return HttpSession(headers={"X-Forwarded-For": next(_addresses)})


def unique(text):
    return f"{text} {uuid.uuid4().hex[:10]}"


def test_both_processes_report_healthy_with_redis(cluster):
    for server in cluster:
        status, health = server.health()
        assert status == 200
        assert health == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_a_post_made_through_a_form_on_a_is_on_the_board_of_b(cluster):
    a, b = cluster
    body = unique("Posted on A")

    status, _ = visitor().post_form(a.url + "/board/", {"body": body})
    assert status == 200

    status, page = visitor().get(b.url + "/board/")
    assert status == 200
    assert body in page


def test_the_flood_limit_counts_posts_on_both_processes_together(cluster):
    limit, window = settings.NETSITE_BOARD_FLOOD
    a, b = cluster
    # The limit counts in fixed windows: a run that straddles a window's end
    # starts counting again halfway, so such a run is repeated.
    for _attempt in range(3):
        client = visitor()
        started = int(time.time() // window)
        bodies = [unique(f"flood {i}") for i in range(limit + 1)]
        replies = [
            client.post_form(server.url + "/board/", {"body": body})
            for server, body in zip(itertools.cycle([a, b]), bodies, strict=False)
        ]
        if int(time.time() // window) == started:
            break

    statuses = [status for status, _ in replies]
    assert statuses == [200] * limit + [429]
    # The refused text is kept in the form, and is on neither board.
    assert bodies[-1] in replies[-1][1]
    for server in cluster:
        board = visitor().get(server.url + "/board/")[1]
        assert all(body in board for body in bodies[:-1])
        assert bodies[-1] not in board


def test_the_flood_counters_live_in_redis(cluster, redis_server):
    visitor().post_form(cluster[0].url + "/board/", {"body": unique("counted")})

    keys = Redis.from_url(redis_server.url).keys("*rate:board:ip:*")
    assert keys


def test_a_member_logged_in_on_a_is_logged_in_on_b(cluster):
    a, b = cluster
    client = visitor()
    username = f"member{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"

    status, _ = client.post_form(
        a.url + "/accounts/signup/",
        {"username": username, "password1": password, "password2": password},
    )
    assert status == 200

    page = client.get(b.url + "/board/")[1]
    assert f'<li class="whoami">{username}</li>' in page
