"""
The operators' commands as an operator runs them: ``manage.py`` in a process
of its own, on a real SQLite file, checking exit codes, what goes to stdout
and stderr, and the export's peak memory.
"""

import json
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest

from tests.live import ROOT, clean_env


def manage(*args, db, stdin=None, **popen):
    env = clean_env(
        DJANGO_SETTINGS_MODULE="netsite.settings",
        DJANGO_SECRET_KEY="netsite-subprocess-test-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{db}",
    )
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    if popen:
        return subprocess.Popen(command, env=env, cwd=ROOT, **popen)
    return subprocess.run(
        command,
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    template = tmp_path_factory.mktemp("template") / "db.sqlite3"
    result = manage("migrate", "--noinput", "-v", "0", db=template)
    assert result.returncode == 0, result.stderr
    return template


@pytest.fixture
def db_file(migrated, tmp_path):
    """A fresh, migrated database file of this test's own."""
    path = tmp_path / "db.sqlite3"
    shutil.copy(migrated, path)
    return path


def counts(db):
    """Return how many posts and messages the database file holds."""
    with closing(sqlite3.connect(db)) as connection:
        return tuple(
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("board_post", "chat_message")
        )


@pytest.mark.parametrize(
    "args, message",
    [
        (["post", "   "], "Write something before posting."),
        (["post", "hi", "--as", "nobody"], "There is no user 'nobody'."),
        (["export", "posts", "--since", "soon"], "--since: 'soon' is not an ISO"),
        (["export", "posts", "--format", "xml"], "argument --format: invalid"),
        (["import", "posts", "/nonexistent.jsonl"], "Cannot read /nonexistent"),
        (["prune", "--room", "nowhere"], "There is no chat room 'nowhere'."),
        (["seed_demo", "--posts", "-1"], "--posts must be 0 or more, not -1."),
        (["moderator", "add", "nobody"], "There is no user 'nobody'."),
        (["moderator", "remove", "nobody"], "There is no user 'nobody'."),
        (["moderator", "promote", "ada"], "argument action: invalid choice"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_on_stderr(db_file, args, message):
    result = manage(*args, db=db_file)

    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert counts(db_file) == (0, 0)


def test_results_go_to_stdout_and_log_lines_to_stderr(db_file):
    quiet = manage("post", "Hello", "--name", "ops", db=db_file)
    chatty = manage("post", "Hello again", "-v", "2", db=db_file)

    # No REDIS_URL here: the one diagnostic is the warning that open pages
    # see the post only after a reload.
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (
        0,
        "Posted #1 as ops.\n",
        "Warning: REDIS_URL is not set, so open pages show this post only after "
        "a reload.\n",
    )
    assert chatty.stdout == "Posted #2 as guest.\n"
    log_line, warning = chatty.stderr.splitlines()
    assert json.loads(log_line)["message"] == "post created"
    assert warning.startswith("Warning: REDIS_URL is not set")


def test_export_to_stdout_holds_the_rows_only(db_file):
    manage("seed_demo", "--posts", "5", "--rooms", "0", "--messages", "0", db=db_file)

    result = manage("export", "posts", db=db_file)

    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert result.stderr == "Exported 5 posts.\n"


def test_export_stops_quietly_when_its_reader_does(db_file):
    manage(
        "seed_demo", "--posts", "5000", "--rooms", "0", "--messages", "0", db=db_file
    )
    process = manage(
        "export", "posts", db=db_file, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    first = process.stdout.readline()  # as `manage.py export posts | head -1`
    process.stdout.close()
    _, err = process.communicate(timeout=60)

    assert json.loads(first)["id"] == 1
    assert (process.returncode, err) == (0, b"")


def test_a_round_trip_into_an_empty_site_gives_identical_rows(migrated, tmp_path):
    source, target = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    shutil.copy(migrated, source)
    shutil.copy(migrated, target)
    exported, again = tmp_path / "posts.csv", tmp_path / "again.csv"
    manage("seed_demo", "--posts", "300", "--rooms", "0", "--messages", "0", db=source)
    assert manage("export", "posts", "-o", str(exported), db=source).returncode == 0

    first = manage("import", "posts", str(exported), db=target)
    second = manage("import", "posts", str(exported), db=target)

    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Imported 300 posts from {exported}.\n"
    assert second.stdout == (
        f"Imported 0 posts from {exported}; 300 were already here.\n"
    )
    manage("export", "posts", "-o", str(again), db=target)
    assert again.read_text() == exported.read_text()
    assert rows(target) == rows(source)


def rows(db):
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute("SELECT * FROM board_post ORDER BY id").fetchall()


def test_a_file_with_one_bad_line_imports_nothing_and_names_the_line(db_file, tmp_path):
    lines = [
        json.dumps({"id": n, "created": "2026-11-01T10:00:00Z", "body": f"#{n}"})
        for n in range(1, 11)
    ]
    lines[6] = json.dumps({"id": 7, "created": "2026-11-01T10:00:00Z", "body": ""})
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n")

    result = manage("import", "posts", str(path), db=db_file)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "line 7: body missing.",
        f"CommandError: Imported nothing: {path} has 1 bad line.",
    ]
    assert counts(db_file) == (0, 0)


def peak_rss_kib(*args, db, output):
    """Run a command and return its exit status and peak RSS (KiB, Linux)."""
    with open(output.with_suffix(".err"), "w") as err:
        process = manage(*args, db=db, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss


# A list of the 200,000 exported rows would hold ~200,000 tuples of seven
# Python objects (text, datetimes, ints): 70 MB and more. Streaming keeps the
# export within a few MB of what the same command needs for no rows at all.
CEILING_ABOVE_BASELINE_KIB = 25 * 1024


def test_exporting_200000_rows_stays_under_a_fixed_memory_ceiling(db_file, tmp_path):
    seeded = manage(
        "seed_demo", "--posts", "200000", "--rooms", "0", "--messages", "0", db=db_file
    )
    assert seeded.returncode == 0, seeded.stderr
    output = tmp_path / "posts.jsonl"
    status, baseline = peak_rss_kib(
        "export",
        "posts",
        "--since",
        "2999-01-01",
        "-o",
        str(output),
        db=db_file,
        output=output,
    )
    assert status == 0

    status, peak = peak_rss_kib(
        "export", "posts", "-o", str(output), db=db_file, output=output
    )

    assert status == 0
    with open(output, "rb") as exported:
        assert sum(1 for _ in exported) == 200_000
    assert peak < baseline + CEILING_ABOVE_BASELINE_KIB, (baseline, peak)


def test_the_progress_bar_is_drawn_on_a_terminal(db_file):
    controller, terminal = pty.openpty()
    process = manage(
        "seed_demo",
        "--posts",
        "30000",
        "--rooms",
        "0",
        "--messages",
        "0",
        db=db_file,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes with the process (EIO on Linux)
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)

    assert process.wait(timeout=60) == 0
    assert b"Posts [" in drawn
    assert b"100%  30,000/30,000" in drawn


def test_createsuperuser_without_a_terminal_exits_1_with_one_line(db_file):
    result = manage("createsuperuser", db=db_file, stdin="")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("CommandError: createsuperuser needs a terminal")
    assert len(result.stderr.splitlines()) == 1
