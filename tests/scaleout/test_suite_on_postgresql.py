"""The whole non-browser suite, run once more against the tier's PostgreSQL."""

import subprocess
import sys

import pytest

from tests.live import ROOT, clean_env


@pytest.mark.timeout(1200)
def test_the_non_browser_suite_passes_on_postgresql(postgres_server):
    # Redis stays off: the unit tests assume the in-memory layer and cache.
    env = clean_env(DATABASE_URL=postgres_server.url)
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
    assert result.returncode == 0, (
        f"pytest on PostgreSQL exited {result.returncode}:\n"
        f"{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    )
    # pytest-django made its test database on this server, not on SQLite.
    assert "database=test_netsite" in postgres_server.log_path.read_text()
