"""
The netsite under attack: ``manage.py serve`` processes from ``tests.live``.

Every area of the run gets its own server on a free port and its own copy of
one SQLite database, migrated once per run and holding the accounts the
attacks use. ``LiveServer`` starts each from ``clean_env()``: no setting of the
caller's shell and no ``.env`` reaches it, only the values given here (and
the documented defaults for the rest).
"""

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

from tests.live import LiveServer

PASSWORD = "stress-password-1"  # noqa: S105 (throwaway accounts of a temp site)
ADMIN = "stress-admin"
USERS = 60  # stress-0 … stress-59, each with an API token
ROOM = "stress"

# Limits high enough that the load areas measure the server, not the limiter.
UNLIMITED = {
    "NETSITE_BOARD_FLOOD": "1000000/1",
    "NETSITE_CHAT_RATE": "1000000/1",
    "NETSITE_API_ANON_RATE": "1000000/1",
    "NETSITE_API_USER_RATE": "1000000/1",
}

SETUP = f"""
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from chat.services import create_room
User = get_user_model()
User.objects.create_superuser({ADMIN!r}, password={PASSWORD!r})
tokens = {{}}
for n in range({USERS}):
    user = User.objects.create_user(f"stress-{{n}}", password={PASSWORD!r})
    tokens[user.username] = Token.objects.create(user=user).key
room = create_room(title="Stress", created_by=None)
print(json.dumps({{"tokens": tokens, "room": room.slug}}))
"""


class Template:
    """
    The run's migrated database, collected static files and accounts.

    On SQLite each site gets a copy of the template file; with ``postgres``
    (a started ``tests.live.PostgresServer``) each gets a database created
    from the template database.
    """

    def __init__(self, directory, *, postgres=None):
        self.directory = Path(directory)
        self.static = self.directory / "static"
        self.postgres = postgres
        self.tokens = {}
        if postgres is None:
            self.url = f"sqlite:///{self.directory / 'template.sqlite3'}"
        else:
            self.url = postgres.url
        setup = Site(self, "setup", database_url=self.url)
        setup.migrate()
        setup.manage("collectstatic", "--noinput", "--verbosity", "0")
        accounts = json.loads(setup.shell(SETUP).strip().splitlines()[-1])
        self.tokens = accounts["tokens"]
        assert accounts["room"] == ROOM, accounts

    def copy(self, name):
        """A copy of the template database for site ``name``; its DATABASE_URL."""
        if self.postgres is None:
            path = self.directory / f"{name}.sqlite3"
            source_path = self.url.removeprefix("sqlite:///")
            with sqlite3.connect(source_path) as source, sqlite3.connect(path) as copy:
                source.backup(copy)
            return f"sqlite:///{path}"
        import psycopg  # only the PostgreSQL run needs it

        with psycopg.connect(self.postgres.url, dbname="postgres") as db:
            db.autocommit = True
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.postgres.database}"')
        return self.postgres.url.rsplit("/", 1)[0] + f"/{name}"


class Site(LiveServer):
    """One netsite process under attack, with what the attacks need to know."""

    def __init__(self, template, name, *, database_url=None, env=None):
        self.database_url = database_url or template.copy(name)
        self.tokens = template.tokens
        super().__init__(
            name=name,
            workdir=template.directory,
            env={
                "DJANGO_SETTINGS_MODULE": "stress.settings",
                "DJANGO_SECRET_KEY": "netsite-stress-" + "s" * 40,
                "DJANGO_DEBUG": "false",
                "DATABASE_URL": self.database_url,
                "NETSITE_STATIC_ROOT": str(template.static),
                **(env or {}),
            },
        )

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    def token(self, n):
        return self.tokens[f"stress-{n}"]

    def rss(self):
        """The server's resident memory in bytes (``/proc``), 0 once it is gone."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def kill(self):
        """SIGKILL: the process gets no chance to flush or close anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def terminate(self, *, patience):
        """SIGTERM; return the seconds until exit, or None (then SIGKILL)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(patience)
        except Exception:  # subprocess.TimeoutExpired: it hangs
            self.kill()
            return None
        return time.monotonic() - started

    def integrity(self):
        """``PRAGMA integrity_check`` of the database as a crash left it; None
        on PostgreSQL, whose own crash recovery runs when the server restarts."""
        if not self.database_url.startswith("sqlite:///"):
            return None
        path = self.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            return ", ".join(row[0] for row in db.execute("PRAGMA integrity_check"))

    def export(self, kind):
        """Every stored post or message (hidden ones too), through ``export``."""
        path = self.workdir / f"{self.name}-{kind}.jsonl"
        self.manage(
            "export", kind, "--include-hidden", "--format", "jsonl", "-o", str(path)
        )
        rows = [json.loads(line) for line in path.read_text().splitlines() if line]
        os.unlink(path)
        return rows

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
