"""
The benchmark's peers answer like netsite, so that its ratios compare like
with like: each is started as the runner starts it and driven by the runner's
own load generator or over plain HTTP.
"""

import http.client
import json
import subprocess
import sys

import pytest

from bench.processes import PYTHON, ROOT, Server, free_port
from tests.live import clean_env

DAPHNE = [PYTHON, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p"]


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(name, command, **env):
        port = free_port()
        command = [part.replace("{port}", str(port)) for part in command]
        server = Server(name, command, env=clean_env(**env), logdir=tmp_path, port=port)
        started.append(server)
        return server.wait_ready()

    yield start
    for server in started:
        server.stop()


def load(spec):
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def request(server, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


ROOMS = {
    "asgi": [*DAPHNE, "{port}", "bench.peers.asgi_room:application"],
    "channels": [*DAPHNE, "{port}", "bench.peers.channels_room:application"],
    "websockets": [PYTHON, "-m", "bench.peers.websockets_room", "--port", "{port}"],
}


@pytest.mark.parametrize("name", ROOMS)
def test_each_room_delivers_every_message_once_and_in_order(serve, name):
    server = serve(name, ROOMS[name])
    result = load(
        {
            "mode": "chat",
            "urls": [f"ws://127.0.0.1:{server.port}/ws/chat/bench/"],
            "receivers": 5,
            "seconds": 0.5,
            "pids": [server.pid],
        }
    )
    assert result["messages"] > 0
    assert result["deliveries"] == 5 * result["messages"]
    assert (result["lost"], result["duplicated"], result["reordered"]) == (0, 0, 0)


@pytest.mark.parametrize("peer", ["asgi_room", "django_floor"])
def test_the_floors_answer_the_bytes_they_were_given(serve, tmp_path, peer):
    page, posts = tmp_path / "page.html", tmp_path / "posts.json"
    page.write_bytes("<p>board ✓</p>".encode() * 1000)
    posts.write_bytes(b'{"results": []}')
    server = serve(
        peer,
        [*DAPHNE, "{port}", f"bench.peers.{peer}:application"],
        BENCH_PAGE=str(page),
        BENCH_JSON=str(posts),
    )
    assert request(server, "GET", "/") == (200, page.read_bytes())
    assert request(server, "GET", "/api/posts/") == (200, posts.read_bytes())


@pytest.fixture
def seeded(tmp_path):
    """A SQLite file with netsite's schema and 60 posts, made by manage.py."""
    database = tmp_path / "site.sqlite3"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="netsite.settings",
        DJANGO_SECRET_KEY="bench-peer-test-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{database}",
    )
    for command in (
        ["migrate", "-v", "0"],
        ["seed_demo", "--posts", "60", "--rooms", "0", "--messages", "0", "-v", "0"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=120
        )
    return database


def test_the_flask_board_reads_and_writes_netsites_posts(serve, seeded):
    server = serve(
        "flask",
        [PYTHON, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:{port}"]
        + ["bench.peers.flask_board:app"],
        BENCH_DB=str(seeded),
        BENCH_TOKEN="secret",
    )
    status, page = request(server, "GET", "/")
    assert status == 200
    assert page.count(b'<article class="post"') == 50
    assert b'href="?before=11"' in page

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert request(server, "POST", "/", "body=See+https://example.org", form)[0] == 303
    status, page = request(server, "GET", "/")
    assert b'<a href="https://example.org" rel="noopener">' in page

    api = {"Content-Type": "application/json", "Authorization": "Token secret"}
    status, body = request(server, "POST", "/api/posts/", '{"body": "Hi"}', api)
    assert status == 201
    assert json.loads(body)["id"] == 62
    wrong = {**api, "Authorization": "Token wrong"}
    assert request(server, "POST", "/api/posts/", '{"body": "Hi"}', wrong)[0] == 401

    status, body = request(server, "GET", "/api/posts/?limit=50")
    results = json.loads(body)["results"]
    assert len(results) == 50
    assert results[0]["body"] == "Hi"
    assert set(results[0]) == {
        "url",
        "id",
        "body",
        "author",
        "guest",
        "created",
        "client_id",
        "hidden",
        "html_url",
    }
