"""The whole non-browser suite, run once more against the tier's PostgreSQL."""

import os
import subprocess
import sys

import pytest

from tests.live import ROOT

NO_TESTS_COLLECTED = 5


@pytest.mark.timeout(1200)
def test_the_non_browser_suite_passes_on_postgresql(postgres):
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        # Redis stays off: the unit tests assume the in-memory layer and cache.
        "REDIS_URL": "",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "not browser and not scaleout",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1150,
    )
    if result.returncode == NO_TESTS_COLLECTED:
        pytest.skip("the suite has no non-browser tests yet")
    assert result.returncode == 0, (
        f"pytest on PostgreSQL exited {result.returncode}:\n"
        f"{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    )
    # pytest-django made its test database on this server, not on SQLite.
    assert "database=test_netsite" in postgres.log_path.read_text()
