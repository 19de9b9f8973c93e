"""
The tier rule: which tests need a service the machine may lack, and what
happens when it is missing. A pytest plugin, loaded by ``tests/conftest.py``.

A test says what it needs with a marker: ``browser`` (Chromium), ``redis``
(redis-server) or ``postgres`` (PostgreSQL). Using the fixture that provides
the service (``chromium``, ``redis_server``, ``postgres_server``) adds the
marker by itself, so a test cannot start a server without carrying its mark.
``redis`` and ``postgres`` tests are the scale-out tier and also carry
``scaleout``: ``-m "not browser and not scaleout"`` leaves out every test that
starts a browser or a server.

When a service is missing, its tests are deselected and the summary says so
in one line per service, naming the package to install. Under ``CI=true`` they
run instead and each fails with that message (CI must not pass by testing
nothing), while every other test runs as usual.

The plugin also keeps the suite hermetic: processes that tests start never
read the checkout's ``.env`` (``NETSITE_ENV_FILE=/dev/null``), and a run that
leaves new files in the work tree says so (and fails under ``CI=true``).
"""

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import (
    POSTGRES_BIN,
    ROOT,
    PostgresServer,
    RedisServer,
    attach_logs,
)

POSTGRES_TOOLS = ("initdb", "pg_ctl", "createdb")
# What a test run may leave in the work tree: caches, and the screenshots of a
# failed browser test (see tests/e2e/conftest.py).
TREE_LEFTOVERS_ALLOWED = ("__pycache__/", ".pytest_cache/", "test-artifacts/")


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def chromium_path():
    return os.environ.get("NETSITE_CHROMIUM", "/usr/bin/chromium")


def _executable(path):
    return bool(path) and Path(path).is_file() and os.access(path, os.X_OK)


def _postgres_found():
    return all(_executable(POSTGRES_BIN / tool) for tool in POSTGRES_TOOLS)


@dataclass(frozen=True)
class Service:
    """Something a tier needs from the machine, and how to get it."""

    marker: str
    name: str
    install: str
    fixture: str
    find: Callable[[], bool]
    where: Callable[[], str]

    def missing(self):
        return f"{self.name} not found ({self.where()})"

    def install_hint(self):
        return f"install it with `{self.install}`"


SERVICES = (
    Service(
        marker="browser",
        name="Chromium",
        install="apt-get install chromium",
        fixture="chromium",
        find=lambda: _executable(chromium_path()),
        where=lambda: f"{chromium_path()}; or set NETSITE_CHROMIUM",
    ),
    Service(
        marker="redis",
        name="redis-server",
        install="apt-get install redis-server",
        fixture="redis_server",
        find=lambda: shutil.which("redis-server") is not None,
        where=lambda: "on PATH",
    ),
    Service(
        marker="postgres",
        name="PostgreSQL",
        install="apt-get install postgresql",
        fixture="postgres_server",
        find=_postgres_found,
        where=lambda: f"{POSTGRES_BIN}; or set NETSITE_PG_BIN",
    ),
)
SCALEOUT_SERVICES = ("redis", "postgres")

_missing_key = pytest.StashKey[list]()
_counts_key = pytest.StashKey[dict]()
_tree_before_key = pytest.StashKey[set]()
_leftovers_key = pytest.StashKey[tuple]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Also covers processes a test starts with a copy of os.environ, and the
    # in-process `import netsite.asgi`, which reads the env file too.
    os.environ["NETSITE_ENV_FILE"] = os.devnull
    config.stash[_counts_key] = {}


def pytest_itemcollected(item):
    # Runs before `-m` selects, so the marks added here count for it.
    for service in SERVICES:
        if service.fixture in getattr(item, "fixturenames", ()):
            item.add_marker(service.marker)
    needs_server = any(item.get_closest_marker(m) for m in SCALEOUT_SERVICES)
    if needs_server and not item.get_closest_marker("scaleout"):
        item.add_marker("scaleout")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # trylast: after `-m` and `-k` chose, so only chosen tests are counted.
    counts = config.stash[_counts_key]
    found = {}
    kept, deselected = [], []
    for item in items:
        missing = []
        for service in SERVICES:
            if item.get_closest_marker(service.marker) is None:
                continue
            if service not in found:
                found[service] = service.find()
            if not found[service]:
                missing.append(service)
                counts[service] = counts.get(service, 0) + 1
        if missing and not in_ci():
            deselected.append(item)
            continue
        if missing:
            item.stash[_missing_key] = missing
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    missing = item.stash.get(_missing_key, None)
    if missing:
        reasons = "; ".join(f"{s.missing()}: {s.install_hint()}" for s in missing)
        pytest.fail(f"CI=true and {reasons}.", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    attach_logs(item, report)
    return report


def pytest_terminal_summary(terminalreporter, config):
    outcome = "failed" if in_ci() else "not run"
    for service, count in config.stash[_counts_key].items():
        tests = "test" if count == 1 else "tests"
        terminalreporter.write_line(
            f"{service.missing()}: {count} {tests} {outcome}; {service.install_hint()}."
        )
    leftovers = config.stash.get(_leftovers_key, ())
    if leftovers:
        terminalreporter.write_line(
            "The tests left new files in the work tree (they belong under a "
            f"temporary directory): {', '.join(leftovers)}"
        )


# The work tree stays as it was ---------------------------------------------------


def _new_files_in_tree():
    """Untracked and ignored paths of the work tree, or None outside git."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return None
    result = subprocess.run(
        [git, "-C", str(ROOT), "status", "--porcelain", "--ignored"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        return None
    return {
        line[3:]
        for line in result.stdout.splitlines()
        if line[:2] in ("??", "!!")
        and not any(allowed in line for allowed in TREE_LEFTOVERS_ALLOWED)
    }


def pytest_sessionstart(session):
    session.stash[_tree_before_key] = _new_files_in_tree()


def pytest_sessionfinish(session):
    before = session.stash.get(_tree_before_key, None)
    after = _new_files_in_tree()
    if before is None or after is None:
        return
    leftovers = tuple(sorted(after - before))
    session.config.stash[_leftovers_key] = leftovers
    if leftovers and in_ci() and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# The services --------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """The Chromium binary (the tier rule has checked that it is there)."""
    return chromium_path()


@pytest.fixture(scope="module")
def redis_server():
    """A throwaway redis-server on a free port, one per test module."""
    server = RedisServer(executable=shutil.which("redis-server"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the session."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
