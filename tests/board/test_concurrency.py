"""
Concurrent posting and durability on a real SQLite file.

These run in fresh processes with netsite's own database settings (WAL, IMMEDIATE
transactions, busy timeout) against a database file, not the test suite's
in-memory database, because that is what `make run` serves.
"""

import json
import subprocess
import sys
import textwrap

from tests.live import ROOT, clean_env

POST_FROM_THREADS = textwrap.dedent(
    """
    import json, sys, threading
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    THREADS, EACH = 8, 15
    errors, statuses = [], []

    def poster(n):
        try:
            client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
            client.get("/board/")
            token = client.cookies["csrftoken"].value
            for i in range(EACH):
                response = client.post(
                    "/board/",
                    {"body": f"thread {n} post {i}", "csrfmiddlewaretoken": token},
                    REMOTE_ADDR=f"10.0.0.{n}",
                )
                statuses.append(response.status_code)
        except Exception as error:  # reported to the test, which fails on it
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=poster, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"errors": errors, "statuses": sorted(set(statuses)),
                      "count": len(statuses)}))
    """
)

READ_BACK = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from board.models import Post
    bodies = sorted(Post.objects.values_list("body", flat=True))
    print(json.dumps({"count": len(bodies), "bodies": bodies}))
    """
)


def run(script, db):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="tests.settings",  # real DB settings, no manifest
        DJANGO_SECRET_KEY="concurrency-test-secret-" * 3,
        DATABASE_URL=f"sqlite:///{db}",
        NETSITE_BOARD_FLOOD="100000/1",
        DJANGO_LOG_LEVEL="WARNING",
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_posts_from_eight_threads_are_all_stored_and_survive_a_restart(tmp_path):
    db = tmp_path / "netsite.sqlite3"

    written = run(POST_FROM_THREADS, db)
    assert written["errors"] == []
    assert written["statuses"] == [303]
    assert written["count"] == 8 * 15

    # A new process on the same file: what was acknowledged is still there.
    stored = run(READ_BACK, db)
    expected = sorted(f"thread {n} post {i}" for n in range(8) for i in range(15))
    assert stored["bodies"] == expected
