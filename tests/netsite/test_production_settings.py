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
    # SMTP; check makes no connection either.
    "EMAIL_HOST": "smtp.netsite.example",
    "EMAIL_HOST_USER": "netsite",
    "EMAIL_HOST_PASSWORD": "mail-s3cret",
    "DEFAULT_FROM_EMAIL": "netsite <noreply@netsite.example>",
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


def settings_of(*names, env, tmp_path):
    """Return the values of settings ``names`` as a process with ``env`` has them."""
    code = ", ".join(f"settings.{name}" for name in names)
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        f"from django.conf import settings; print(({code},))",
        env=env,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_mail_goes_through_smtp_with_starttls_when_a_host_is_set(tmp_path):
    shown = settings_of(
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
        "EMAIL_HOST_USER",
        "DEFAULT_FROM_EMAIL",
        env=PRODUCTION,
        tmp_path=tmp_path,
    )

    assert shown == str(
        (
            "django.core.mail.backends.smtp.EmailBackend",
            "smtp.netsite.example",
            587,
            True,
            False,
            "netsite",
            "netsite <noreply@netsite.example>",
        )
    )


def test_mail_is_written_to_the_console_without_a_host(tmp_path):
    shown = settings_of(
        "EMAIL_BACKEND", env={"DJANGO_DEBUG": "true"}, tmp_path=tmp_path
    )

    assert shown == "('django.core.mail.backends.console.EmailBackend',)"


def test_tls_from_the_start_takes_port_465(tmp_path):
    env = {**PRODUCTION, "EMAIL_USE_SSL": "true"}
    shown = settings_of(
        "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", env=env, tmp_path=tmp_path
    )

    assert shown == "(465, False, True)"


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        (
            {"EMAIL_PORT": "smtp"},
            "EMAIL_PORT='smtp' is not a whole number.",
        ),
        (
            {"EMAIL_PORT": "70000"},
            "EMAIL_PORT=70000 must be at most 65535.",
        ),
        (
            {"EMAIL_USE_TLS": "yes"},
            "EMAIL_USE_TLS='yes' is not a boolean: use true/false, 1/0 or on/off.",
        ),
        (
            {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL are both true: use STARTTLS "
            "(EMAIL_USE_TLS, port 587) or TLS from the start (EMAIL_USE_SSL, "
            "port 465).",
        ),
        (
            {"DEFAULT_FROM_EMAIL": "netsite"},
            "DEFAULT_FROM_EMAIL='netsite' is not an e-mail address: write "
            "noreply@netsite.example or 'netsite <noreply@netsite.example>'.",
        ),
        (
            {"EMAIL_HOST": "", "EMAIL_HOST_USER": "netsite"},
            "EMAIL_HOST_USER is set but EMAIL_HOST is not: set EMAIL_HOST to "
            "the SMTP server's name, or unset EMAIL_HOST_USER.",
        ),
        (
            {"EMAIL_FILE_PATH": "/tmp/mail"},
            "EMAIL_HOST and EMAIL_FILE_PATH are both set: send through SMTP "
            "(EMAIL_HOST) or write mail to files (EMAIL_FILE_PATH), not both.",
        ),
        (
            {
                "EMAIL_HOST": "",
                "EMAIL_HOST_USER": "",
                "EMAIL_HOST_PASSWORD": "",
                "EMAIL_FILE_PATH": "mail",
            },
            "EMAIL_FILE_PATH='mail' is not an absolute path: start it with /.",
        ),
    ],
)
def test_a_bad_mail_setting_stops_start_up_with_one_line(tmp_path, variables, line):
    result = manage("check", env={**PRODUCTION, **variables}, tmp_path=tmp_path)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == line + "\n"


def test_the_deploy_check_warns_that_mail_is_not_sent_without_a_host(tmp_path):
    env = {
        **{k: v for k, v in PRODUCTION.items() if not k.startswith("EMAIL_")},
    }
    deploy = ("check", "--deploy", "--fail-level", "WARNING")
    result = manage(*deploy, env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "netsite.W002" in output
    assert "nobody receives password reset links" in output
