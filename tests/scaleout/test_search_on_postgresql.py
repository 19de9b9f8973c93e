"""
Search on PostgreSQL: the search tests, run against the tier's PostgreSQL,
where the index is GIN on to_tsvector (content.search) instead of FTS5.
"""

import subprocess
import sys

import pytest

from tests.live import ROOT, clean_env

SEARCH_TESTS = [
    "tests/content/test_search_index.py",
    "tests/board/test_search_page.py",
    "tests/chat/test_search_pages.py",
    "tests/api/test_search.py",
]


@pytest.mark.timeout(600)
def test_the_search_tests_pass_on_postgresql(postgres_server):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v"] + SEARCH_TESTS,
        cwd=ROOT,
        env=clean_env(DATABASE_URL=postgres_server.url),
        capture_output=True,
        text=True,
        timeout=580,
    )
    assert result.returncode == 0, (
        f"pytest on PostgreSQL exited {result.returncode}:\n"
        f"{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    )
    # The plan test ran there, on the GIN index; only SQLite's own is skipped.
    assert "test_the_search_reads_the_index_not_the_whole_table PASSED" in (
        result.stdout
    )
    assert "1 skipped" in result.stdout
