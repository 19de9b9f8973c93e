"""Production settings, checked in fresh processes as an operator would start them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SECRET_KEY": "p" + "r0duction-grade-s3cret-" * 3,
    "DJANGO_ALLOWED_HOSTS": "netsite.example",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://netsite.example",
    "NETSITE_HTTPS": "true",
}


def manage(*args, env, tmp_path):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NETSITE_", "DATABASE_URL", "REDIS_URL"))
    }
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tmp_path,  # no .env there: only the environment given counts
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _manage_py(tmp_path):
    (tmp_path / "manage.py").write_text((ROOT / "manage.py").read_text())


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    _manage_py(tmp_path)
    result = manage("check", env={"DJANGO_DEBUG": "false"}, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_refuses_a_malformed_boolean_naming_the_variable(tmp_path):
    _manage_py(tmp_path)
    result = manage(
        "check", env={**PRODUCTION, "DJANGO_DEBUG": "Flase"}, tmp_path=tmp_path
    )

    assert result.returncode != 0
    assert "DJANGO_DEBUG='Flase' is not a boolean" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    _manage_py(tmp_path)
    deploy = ("check", "--deploy", "--fail-level", "WARNING")
    result = manage(*deploy, env=PRODUCTION, tmp_path=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_without_https_settings(tmp_path):
    _manage_py(tmp_path)
    env = {**PRODUCTION, "NETSITE_HTTPS": "false"}
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path
    )

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout
