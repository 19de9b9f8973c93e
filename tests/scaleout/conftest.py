"""
The scale-out tier: netsite on real PostgreSQL and Redis, in several processes.

The tier starts its own ``redis-server`` and PostgreSQL cluster (initdb and
pg_ctl from the Debian packages) in temporary directories on free ports, and
stops them at the end. The fixtures that start them mark every test here
``redis`` or ``postgres``, and so ``scaleout``; without the binaries the tier
rule (``tests/tiers.py``) applies.

Set ``NETSITE_PG_BIN`` to the folder of another PostgreSQL's binaries.
"""

import shutil
import tempfile

import pytest

from tests.live import LiveServer


@pytest.fixture(scope="module")
def cluster(postgres_server, redis_server):
    """
    Two netsite processes, A and B, sharing the PostgreSQL database and Redis,
    as behind a proxy: they trust X-Forwarded-For, which lets each test come
    from an address of its own and so start with a fresh flood allowance.
    """
    workdir = tempfile.mkdtemp(prefix="netsite-scaleout-")
    env = {"DATABASE_URL": postgres_server.url, "REDIS_URL": redis_server.url}
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
