"""
The scale-out tier: netsite on real PostgreSQL and Redis, in several processes.

The tier starts its own ``redis-server`` and PostgreSQL cluster (initdb and
pg_ctl from the Debian packages) in temporary directories on free ports, and
stops them at the end. Every test here is marked ``scaleout``. Without the
binaries the tier is skipped with one line saying what to install, or fails
under ``CI=true``.

Set ``NETSITE_PG_BIN`` to the folder of another PostgreSQL's binaries.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.live import (
    POSTGRES_BIN,
    ROOT,
    LiveServer,
    PostgresServer,
    RedisServer,
    attach_logs,
    fold_tier_skip,
    require_tool,
)

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be on the item before `-m` selects.
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.scaleout)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    fold_tier_skip(report, Path(__file__).relative_to(ROOT))
    attach_logs(item, report)
    return report


@pytest.fixture(scope="session")
def postgres():
    for tool in ("initdb", "pg_ctl", "createdb"):
        require_tool(
            POSTGRES_BIN / tool,
            what="PostgreSQL",
            install="apt-get install postgresql",
            hint=" (or set NETSITE_PG_BIN)",
        )
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis():
    executable = require_tool(
        shutil.which("redis-server") or "redis-server",
        what="redis-server",
        install="apt-get install redis-server",
    )
    server = RedisServer(executable=executable)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(postgres, redis):
    """
    Two netsite processes, A and B, sharing the PostgreSQL database and Redis,
    as behind a proxy: they trust X-Forwarded-For, which lets each test come
    from an address of its own and so start with a fresh flood allowance.
    """
    workdir = tempfile.mkdtemp(prefix="netsite-scaleout-")
    env = {"DATABASE_URL": postgres.url, "REDIS_URL": redis.url}
    servers = [
        LiveServer(env=env, workdir=workdir, name=name, proxy_headers=True)
        for name in ("daphne-A", "daphne-B")
    ]
    servers[0].migrate()
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
