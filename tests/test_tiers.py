"""
The tier rule of ``tests/tiers.py``, tried in pytest runs of their own on a
machine where Chromium, redis-server and PostgreSQL cannot be found.
"""

import os
import re
import subprocess
import sys

from tests.live import ROOT, clean_env

# Files with tests of each tier, and tests that need nothing.
LAYERS = "tests/content/test_layers.py"  # in-memory and Redis layer tests
THROTTLING = "tests/api/test_throttling_redis.py"  # Redis only
BROWSER = "tests/e2e/test_lab.py"
POSTGRES = "tests/scaleout/test_suite_on_postgresql.py"
NOT_FOUND = re.compile(
    r"^(?P<service>[\w-]+) not found \((?P<where>[^)]*)\): "
    r"(?P<count>\d+) tests? (?P<outcome>not run|failed); "
    r"install it with `apt-get install (?P<package>[\w-]+)`\.$",
    re.MULTILINE,
)


def pytest_run(*args, ci=False):
    """Run pytest on ``args`` where no service can be found."""
    env = clean_env(
        PATH=os.path.dirname(sys.executable),  # no redis-server on it
        NETSITE_CHROMIUM="/nonexistent/chromium",
        NETSITE_PG_BIN="/nonexistent/postgresql/bin",
    )
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, result.stdout + result.stderr


def outcome_count(output, outcome):
    found = re.search(rf"(\d+) {outcome}", output)
    return int(found.group(1)) if found else 0


def test_each_missing_service_is_one_line_and_every_other_test_runs():
    result, output = pytest_run(LAYERS, THROTTLING, BROWSER, POSTGRES)

    assert result.returncode == 0, output
    lines = {m["service"]: m for m in NOT_FOUND.finditer(output)}
    assert sorted(lines) == ["Chromium", "PostgreSQL", "redis-server"], output
    assert lines["Chromium"]["where"] == (
        "/nonexistent/chromium; or set NETSITE_CHROMIUM"
    )
    assert lines["redis-server"]["package"] == "redis-server"
    assert lines["PostgreSQL"]["package"] == "postgresql"
    assert all(m["outcome"] == "not run" for m in lines.values())
    not_run = sum(int(m["count"]) for m in lines.values())
    assert not_run == outcome_count(output, "deselected")
    assert len(NOT_FOUND.findall(output)) == 3  # once each, not once a test
    assert "SKIPPED" not in output and "skipped" not in output
    assert outcome_count(output, "passed") > 0  # the in-memory layer tests


def test_under_ci_a_missing_service_fails_its_tests_and_the_rest_still_run():
    result, output = pytest_run(LAYERS, THROTTLING, ci=True)

    assert result.returncode == 1, output
    [line] = NOT_FOUND.finditer(output)
    assert (line["service"], line["outcome"]) == ("redis-server", "failed")
    failed = outcome_count(output, "errors?")
    assert failed == int(line["count"]) > 0
    reason = (
        "CI=true and redis-server not found (on PATH): "
        "install it with `apt-get install redis-server`."
    )
    summary = [line for line in output.splitlines() if line.startswith("ERROR ")]
    assert len(summary) == failed
    assert all(line.endswith(f" - Failed: {reason}") for line in summary)
    assert outcome_count(output, "passed") > 0


def test_the_fast_tiers_leave_out_every_test_that_starts_a_server_or_browser():
    fast = "not browser and not scaleout"
    everything = (LAYERS, THROTTLING, BROWSER, POSTGRES, "tests/scaleout")

    # CI=true keeps the tests of missing services: only `-m` leaves them out.
    result, output = pytest_run("--collect-only", "-m", fast, *everything, ci=True)

    assert result.returncode == 0, output
    collected = [line for line in output.splitlines() if "::" in line]
    assert collected, output
    assert all(line.startswith(f"{LAYERS}::") for line in collected)
    assert not [line for line in collected if "redis" in line]
    assert NOT_FOUND.search(output) is None  # nothing chosen needs a service


def test_a_test_using_a_service_fixture_carries_the_services_mark():
    result, output = pytest_run(
        "--collect-only", "-m", "redis", LAYERS, THROTTLING, ci=True
    )

    assert result.returncode == 0, output
    collected = [line for line in output.splitlines() if "::" in line]
    assert f"{THROTTLING}::test_a_limit_reached_in_one_process_holds_in_another" in (
        collected
    )
    layer_tests = [line for line in collected if line.startswith(LAYERS)]
    assert layer_tests
    assert all("::test_redis_" in line for line in layer_tests)
