"""
On SQLite a cached page skips reading its versions while nothing was
committed (content.pages.Commits): the count it relies on must move for a
commit from any connection and any process, and a server must still show
what another process wrote.
"""

import sqlite3
import subprocess
import sys

import pytest

from content.pages import Commits
from tests.live import HttpSession, LiveServer


@pytest.fixture
def database(tmp_path):
    name = tmp_path / "db.sqlite3"
    with sqlite3.connect(name) as writer:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("CREATE TABLE t (x)")
    return name


def test_the_count_stays_while_nothing_is_committed(database):
    commits = Commits()
    first = commits.count(database)
    with sqlite3.connect(database) as reader:
        reader.execute("SELECT * FROM t").fetchall()

    assert commits.count(database) == first


def test_the_count_moves_for_a_commit_from_this_process(database):
    commits = Commits()
    first = commits.count(database)
    with sqlite3.connect(database) as writer:
        writer.execute("INSERT INTO t VALUES (1)")

    assert commits.count(database) != first


def test_the_count_moves_for_a_commit_from_another_process(database):
    commits = Commits()
    first = commits.count(database)
    write = (
        "import sqlite3, sys\n"
        "with sqlite3.connect(sys.argv[1]) as c: c.execute('INSERT INTO t VALUES (2)')"
    )
    subprocess.run([sys.executable, "-c", write, str(database)], check=True)

    assert commits.count(database) != first


def test_the_count_moves_after_a_checkpoint_emptied_the_log(database):
    commits = Commits()
    first = commits.count(database)
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("INSERT INTO t VALUES (3)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    second = commits.count(database)
    writer.execute("INSERT INTO t VALUES (4)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writer.close()

    assert len({first, second, commits.count(database)}) == 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("commits")
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}"}, workdir=workdir
    )
    server.migrate()
    server.start()
    yield server
    server.stop()


def board(server, reader):
    status, html = reader.get(server.url + "/board/")
    assert status == 200
    return html


def test_a_server_shows_posts_another_process_stored_without_the_services(server):
    reader = HttpSession()
    board(server, reader)
    board(server, reader)  # the cached page, its versions reused
    server.shell(
        "from django.utils import timezone\n"
        "from board.models import Post\n"
        "now = timezone.now()\n"
        "Post.objects.bulk_create([Post(body='Bulk loaded', title='Bulk loaded',"
        " display_name='Sc', created=now, last_activity=now)])"
    )

    assert "Bulk loaded" in board(server, reader)


def test_a_server_shows_an_edit_made_by_a_command(server):
    reader = HttpSession()
    server.manage("post", "--name", "Ada", "Before the edit")
    assert "Before the edit" in board(server, reader)
    board(server, reader)
    server.shell(
        "from board.models import Post\n"
        "from board.services import edit_post\n"
        "post = Post.objects.get(body='Before the edit')\n"
        "edit_post(post, 'After the edit', by=None, via='command')"
    )

    assert "After the edit" in board(server, reader)
