"""Production settings, checked in fresh processes as an operator would start them."""

import subprocess
import sys

import pytest

from tests.live import ROOT, clean_env

PRODUCTION = {
    "DJANGO_SECRET_KEY": "p" + "r0duction-grade-s3cret-" * 3,
    "DJANGO_ALLOWED_HOSTS": "netsite.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://netsite.example",
    "NETSITE_HTTPS": "true",
    # The scale-out tier; check only reads it (no connection is made).
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, env, tmp_path):
    """Run manage.py with only ``env`` for settings (no shell, no .env)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(
            **{"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env}
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = manage("check", env={"DJANGO_DEBUG": "false"}, tmp_path=tmp_path)

    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("DJANGO_SECRET_KEY is not set.")


def test_it_refuses_a_malformed_boolean_naming_the_variable(tmp_path):
    result = manage(
        "check", env={**PRODUCTION, "DJANGO_DEBUG": "Flase"}, tmp_path=tmp_path
    )

    assert result.returncode == 1
    assert result.stderr == (
        "DJANGO_DEBUG='Flase' is not a boolean: use true/false, 1/0 or on/off.\n"
    )


@pytest.mark.parametrize("command", [["check"], ["migrate"], ["serve", "--port", "1"]])
def test_a_bad_setting_stops_every_command_with_one_line(tmp_path, command):
    result = manage(*command, env={"DJANGO_DEBUG": "yes"}, tmp_path=tmp_path)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "DJANGO_DEBUG='yes' is not a boolean: use true/false, 1/0 or on/off.\n"
    )


def test_a_database_url_netsite_cannot_use_is_one_line(tmp_path):
    env = {**PRODUCTION, "DATABASE_URL": "mysqlx://netsite:pw@db/netsite"}

    result = manage("migrate", env=env, tmp_path=tmp_path)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "DATABASE_URL (mysqlx://…) is not a database URL netsite can use: write "
        "postgres://USER:PASSWORD@HOST:5432/NAME or sqlite:////path/db.sqlite3.\n"
    )


def test_a_malformed_env_file_line_is_one_line_naming_the_file(tmp_path):
    env_file = tmp_path / "netsite.env"
    env_file.write_text("DJANGO_DEBUG=true\nJUSTAWORD\n")

    result = manage("check", env={"NETSITE_ENV_FILE": str(env_file)}, tmp_path=tmp_path)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{env_file}:2: expected KEY=VALUE.\n"


def test_a_missing_env_file_named_by_netsite_env_file_is_one_line(tmp_path):
    missing = tmp_path / "nowhere.env"

    result = manage("check", env={"NETSITE_ENV_FILE": str(missing)}, tmp_path=tmp_path)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"NETSITE_ENV_FILE='{missing}' cannot be read: No such file or directory.\n"
    )


def test_the_env_file_named_by_netsite_env_file_is_read(tmp_path):
    env_file = tmp_path / "netsite.env"
    env_file.write_text("DJANGO_DEBUG=true\n")  # no secret key needed in debug

    result = manage("check", env={"NETSITE_ENV_FILE": str(env_file)}, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    deploy = ("check", "--deploy", "--fail-level", "WARNING")
    result = manage(*deploy, env=PRODUCTION, tmp_path=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_without_https_settings(tmp_path):
    env = {**PRODUCTION, "NETSITE_HTTPS": "false"}
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path
    )

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_the_deploy_check_warns_that_commands_cannot_broadcast_without_redis(
    tmp_path,
):
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    deploy = ("check", "--deploy", "--fail-level", "WARNING")
    result = manage(*deploy, env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "chat.W001" in result.stderr + result.stdout


def test_the_deploy_check_warns_that_any_host_leaves_websockets_open(tmp_path):
    env = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": "*"}
    deploy = ("check", "--deploy", "--fail-level", "WARNING")
    result = manage(*deploy, env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "netsite.W001" in output
    assert "WebSocket" in output


def test_a_body_limit_below_djangos_own_is_refused_naming_the_variable(tmp_path):
    result = manage(
        "check", env={**PRODUCTION, "NETSITE_MAX_BODY": "1000"}, tmp_path=tmp_path
    )

    assert result.returncode != 0
    assert "NETSITE_MAX_BODY=1000 must be at least 262144" in result.stderr


def test_a_login_failure_limit_that_is_not_a_number_is_refused(tmp_path):
    env = {**PRODUCTION, "NETSITE_LOGIN_FAILURE_LIMIT": "five"}
    result = manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "NETSITE_LOGIN_FAILURE_LIMIT='five' is not a whole number" in result.stderr


def test_a_websocket_send_buffer_below_64_kib_is_refused_naming_the_variable(tmp_path):
    env = {**PRODUCTION, "NETSITE_WS_SEND_BUFFER": "4096"}
    result = manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "NETSITE_WS_SEND_BUFFER=4096 must be at least 65536" in result.stderr
