"""
The live-server harness of the browser and scale-out tiers: it reports
failures, and what the developer's shell or checkout holds never reaches the
processes it starts.
"""

import shutil
import subprocess
import sys

import pytest

from tests.live import ROOT, LiveServer, clean_env

POISON = {
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere",
    "DJANGO_DEBUG": "yes",
    "NETSITE_BOARD_FLOOD": "nonsense",
}


def test_a_server_that_cannot_start_fails_with_its_own_error(tmp_path):
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "DJANGO_DEBUG": "yes"},
        workdir=tmp_path,
    )

    with pytest.raises(RuntimeError) as failure:
        server.start()

    message = str(failure.value)
    assert "exited with code 1 while starting" in message
    assert "DJANGO_DEBUG='yes' is not a boolean" in message
    assert server.process.poll() is not None


def test_a_poisoned_shell_and_env_file_leave_the_server_on_the_embedded_tier(
    tmp_path, monkeypatch
):
    env_file = tmp_path / "poison.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in POISON.items()))
    for name, value in {**POISON, "NETSITE_ENV_FILE": str(env_file)}.items():
        monkeypatch.setenv(name, value)
    server = LiveServer(
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, workdir=tmp_path
    )
    server.migrate()

    server.start()
    try:
        status, health = server.health()
        layer = server.shell(
            "from channels.layers import get_channel_layer\n"
            "print(type(get_channel_layer()).__name__)\n"
        )
    finally:
        server.stop()

    assert (status, health["channel_layer"]) == (200, "ok")
    assert layer.strip() == "FanoutInMemoryChannelLayer"


SHOW_REDIS_URL = "import os; print(os.environ.get('REDIS_URL'))"


def redis_url_seen(directory, env):
    """Return what ``manage.py`` in ``directory`` sees as REDIS_URL."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW_REDIS_URL],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()


def test_a_checkouts_env_file_never_reaches_the_processes_tests_start(tmp_path):
    # A checkout of its own: manage.py with a poisoned .env beside it.
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / ".env").write_text(f"REDIS_URL={POISON['REDIS_URL']}\n")
    env = clean_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    reads_env_file = {k: v for k, v in env.items() if k != "NETSITE_ENV_FILE"}

    assert redis_url_seen(tmp_path, env) == "None"
    assert redis_url_seen(tmp_path, reads_env_file) == POISON["REDIS_URL"]
