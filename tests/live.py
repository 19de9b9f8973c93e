"""
Real servers for the end-to-end and scale-out tiers.

The unit tests run netsite inside pytest; these helpers run it the way a host
does: ``manage.py serve`` (daphne) as a separate process on a free port,
against a file database, optionally with Redis and PostgreSQL servers that are
themselves started here in a temporary directory and stopped afterwards.
Every process writes its output to a log file, and ``describe()`` returns the
tail of it so that a failing test shows what the server said.

Every netsite process a test starts gets its environment from ``clean_env()``:
nothing from the developer's shell or checkout ``.env`` reaches it, so a
``REDIS_URL`` there never moves a test server to another tier. Which tests
need Redis, PostgreSQL or Chromium, and what happens when one is missing, is
the tier rule in ``tests/tiers.py``.
"""

import contextlib
import http.cookiejar
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _postgres_bin():
    """Return NETSITE_PG_BIN, else the newest installed Debian PostgreSQL's bin/."""
    if os.environ.get("NETSITE_PG_BIN"):
        return Path(os.environ["NETSITE_PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: (
            int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0
        ),
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


POSTGRES_BIN = _postgres_bin()
START_TIMEOUT = 30.0
LOG_TAIL = 4000
# Everything netsite's settings read starts with one of these.
SETTINGS_VARIABLES = (
    "DJANGO_",
    "NETSITE_",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_",
    "DEFAULT_FROM_EMAIL",
)


def clean_env(**values):
    """
    Return the environment for a netsite process a test starts: this one's,
    less every variable netsite reads, with no env file
    (``NETSITE_ENV_FILE=/dev/null``), plus ``values``.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SETTINGS_VARIABLES)
    }
    env.update({"NETSITE_ENV_FILE": os.devnull, "PYTHONUNBUFFERED": "1"})
    env.update(values)
    return env


def attach_logs(item, report):
    """Add the log of every server a failed test used to its report."""
    if not report.failed:
        return
    for value in getattr(item, "funcargs", {}).values():
        servers = value if isinstance(value, list | tuple) else [value]
        for server in servers:
            if hasattr(server, "describe") and hasattr(server, "log_path"):
                report.sections.append((f"{server.name} log", server.describe()))


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return text[-LOG_TAIL:] if len(text) > LOG_TAIL else text


def _wait_for(check, *, timeout, what, process=None, log=None):
    """Poll ``check()`` until it is true; raise with the log tail if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"{what} exited with code {process.returncode} while starting.\n"
                f"--- {log} ---\n{_tail(log)}"
            )
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(
        f"{what}: not ready after {timeout:.0f} s.\n--- {log} ---\n{_tail(log)}"
    )


def _stop(process, *, sig=signal.SIGTERM, timeout=10.0):
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


class LiveServer:
    """
    One ``manage.py serve`` process (daphne) on a free port.

    ``env`` holds the settings the process sees on top of ``clean_env()``;
    DATABASE_URL must be in it. The server runs with ``tests.settings``:
    production settings plus static files served from the source folders (no
    collectstatic into the work tree) and a fast password hasher.
    """

    def __init__(self, *, env, workdir, name="daphne", proxy_headers=False):
        self.name = name
        self.workdir = Path(workdir)
        self.port = free_port()
        self.proxy_headers = proxy_headers
        self.log_path = self.workdir / f"{name}.log"
        self.env = clean_env(
            **{
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DJANGO_SECRET_KEY": "netsite-live-test-" + "k" * 40,
                "DJANGO_DEBUG": "false",
                **env,
            }
        )
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args, check=True, env=None):
        """Run a management command against this server's database and settings."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def popen(self, *args, **popen):
        """Start a management command as a process of its own (e.g. ``chat``)."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, **popen
        )

    def shell(self, code):
        """Run Python ``code`` in ``manage.py shell``; return what it printed."""
        # Only what ``code`` prints: no auto-import banner, no info logs.
        return self.manage(
            "shell", "--no-imports", "-c", code, env={"DJANGO_LOG_LEVEL": "WARNING"}
        ).stdout

    def migrate(self):
        self.manage("migrate", "--noinput", "--verbosity", "0")

    def start(self):
        command = [
            sys.executable,
            "manage.py",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if self.proxy_headers:
            command.append("--proxy-headers")
        log = self.log_path.open("a")
        log.write(f"=== starting {' '.join(command)}\n")
        log.flush()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            _wait_for(
                self.healthy,
                timeout=START_TIMEOUT,
                what=f"{self.name} on port {self.port}",
                process=self.process,
                log=self.log_path,
            )
        except BaseException:
            self.stop()  # never leave a half-started server behind
            raise
        return self

    def health(self):
        """Return ``(status, json)`` of ``/healthz``, or ``(None, None)``."""
        try:
            url = self.url + "/healthz"  # always http://127.0.0.1
            with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
        except (OSError, ValueError):
            return None, None

    def healthy(self):
        return self.health()[0] == 200

    def stop(self):
        _stop(self.process)

    def restart(self):
        """Stop and start again on the same port, keeping the database."""
        self.stop()
        self.start()

    def describe(self):
        return f"--- {self.name} log ({self.log_path}) ---\n{_tail(self.log_path)}"

    def log_count(self, text):
        """How many times ``text`` is in the log, e.g. ``websocket connected``."""
        try:
            return self.log_path.read_text(errors="replace").count(text)
        except OSError:
            return 0

    def wait_for_log(self, text, count, *, timeout=10.0):
        """
        Wait until ``text`` is in the log ``count`` times: the access log's
        ``websocket connected /ws/...`` line says a page's socket is open, which
        the browser does not expose.
        """
        _wait_for(
            lambda: self.log_count(text) >= count,
            timeout=timeout,
            what=f"{text!r} {count} times in the log of {self.name}",
            process=self.process,
            log=self.log_path,
        )


def _run_as(user, command):
    """Prefix ``command`` to run as ``user`` (``None``: as this process)."""
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return command


class PostgresServer:
    """
    A throwaway PostgreSQL cluster: initdb into a temporary directory, listen
    on 127.0.0.1 and a free port, trust authentication, no fsync.

    PostgreSQL will not run as root, which is how CI runs: then the cluster
    belongs to the ``postgres`` system user (``nobody`` when there is none)
    and every server command runs through ``runuser``.
    """

    def __init__(self, *, bin_dir=POSTGRES_BIN):
        self.bin_dir = Path(bin_dir)
        self.port = free_port()
        self.user = "netsite"
        self.database = "netsite"
        self.os_user = None
        if os.geteuid() == 0:
            self.os_user = "postgres" if _user_exists("postgres") else "nobody"
        self.dir = Path(tempfile.mkdtemp(prefix="netsite-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self.started = False

    name = "postgres"

    def describe(self):
        return f"--- {self.name} log ({self.log_path}) ---\n{_tail(self.log_path)}"

    @property
    def url(self):
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *command):
        result = subprocess.run(
            _run_as(self.os_user, [str(c) for c in command]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n--- {self.log_path} ---\n"
                f"{_tail(self.log_path)}"
            )
        return result

    def start(self):
        if self.os_user is not None:
            shutil.chown(self.dir, user=self.os_user)
        os.chmod(self.dir, 0o700)
        self._run(
            self.bin_dir / "initdb",
            "-D",
            self.data,
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c log_connections=on"
        )
        self._run(
            self.bin_dir / "pg_ctl",
            "-D",
            self.data,
            "-o",
            options,
            "-l",
            self.log_path,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.started = True
        self._run(
            self.bin_dir / "createdb",
            "-h",
            "127.0.0.1",
            "-p",
            self.port,
            "-U",
            self.user,
            self.database,
        )
        return self

    def stop(self):
        if self.started:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run(
                    self.bin_dir / "pg_ctl", "-D", self.data, "-m", "fast", "stop"
                )
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A throwaway redis-server on a free port that persists nothing."""

    def __init__(self, *, executable="redis-server"):
        self.executable = executable
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="netsite-redis-"))
        self.log_path = self.dir / "redis.log"
        self.process = None

    name = "redis-server"

    def describe(self):
        return f"--- {self.name} log ({self.log_path}) ---\n{_tail(self.log_path)}"

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            _wait_for(
                self.ping,
                timeout=START_TIMEOUT,
                what=f"redis-server on port {self.port}",
                process=self.process,
                log=self.log_path,
            )
        except BaseException:
            _stop(self.process)
            raise
        return self

    def stop(self):
        _stop(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


def _user_exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class HttpSession:
    """
    A cookie-keeping HTTP client for pages with Django forms, without a
    browser: ``post_form`` sends the CSRF token the way the form would.

    Cookies are per host, not per port, so one session is logged in on every
    netsite process of 127.0.0.1, as a browser behind one proxy would be.
    """

    def __init__(self, *, headers=None):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            # Local servers only: never through an http_proxy from the env.
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.cookies),
        )
        self.headers = dict(headers or {})

    def _open(self, request):
        for name, value in self.headers.items():
            request.add_header(name, value)
        try:
            with self.opener.open(request, timeout=20) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def get(self, url):
        return self._open(urllib.request.Request(url))  # noqa: S310 (test URLs)

    def csrf_token(self):
        for cookie in self.cookies:
            if cookie.name == "csrftoken":
                return cookie.value
        return None

    def post_form(self, url, data):
        """GET ``url`` for its CSRF cookie when needed, then POST ``data`` to it."""
        if self.csrf_token() is None:
            self.get(url)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.csrf_token(), **data}
        ).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
        return self._open(request)
