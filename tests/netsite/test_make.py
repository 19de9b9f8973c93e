"""
``make run`` on a fresh, a broken and a misconfigured checkout.

Each test runs make in a checkout of its own under a temporary directory (the
Makefile, manage.py and the requirements files); its ``.venv`` is a stand-in
whose python runs the suite's own, so nothing is downloaded.
"""

import os
import shutil
import subprocess
import sys

import pytest

from tests.live import ROOT, clean_env

CHECKOUT_FILES = ("Makefile", "manage.py", "requirements.txt", "requirements-dev.txt")


def make(checkout, *args, env=None):
    env = dict(env or clean_env())
    # Run as a user's own make, not as a sub-make of `make test` (which would
    # name itself "make[1]" and pass its flags down).
    for name in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"):
        env.pop(name, None)
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def script(path, body):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def checkout(tmp_path):
    for name in CHECKOUT_FILES:
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def installed(checkout):
    """Give ``checkout`` a working .venv, installed after its requirements."""
    script(checkout / ".venv/bin/python", f'exec {sys.executable} "$@"')
    for stamp in (".created", ".requirements", ".requirements-dev"):
        (checkout / ".venv" / stamp).touch()
    return checkout


def test_make_refuses_a_python_older_than_3_11_in_one_line(checkout):
    old = script(
        checkout / "python3.10",
        'if [ "$1" = -V ]; then echo "Python 3.10.12"; else exit 1; fi',
    )

    result = make(checkout, "run", f"PYTHON={old}")

    assert result.returncode != 0
    netsite_says, make_says = result.stderr.splitlines()
    assert netsite_says == (
        f"netsite needs Python 3.11 or newer ({old}: Python 3.10.12): "
        "install it, then run make PYTHON=python3.11"
    )
    assert make_says.endswith(": .venv/.created] Error 1")
    assert not (checkout / ".venv").exists()
    assert not (checkout / ".env").exists()


def test_make_names_a_python_that_is_not_installed(checkout):
    result = make(checkout, "test", "PYTHON=python2.99")

    assert result.returncode != 0
    assert "netsite needs Python 3.11 or newer (python2.99: not found)" in (
        result.stderr
    )


def test_a_working_venv_is_kept_whatever_python3_is(checkout):
    installed(checkout)
    old = script(checkout / "python3.10", "exit 1")

    plan = make(checkout, "-n", "run", f"PYTHON={old}")

    assert plan.returncode == 0, plan.stderr
    assert "-m venv" not in plan.stdout
    assert "pip install" not in plan.stdout
    assert "manage.py migrate --noinput" in plan.stdout


@pytest.mark.parametrize(
    "broken",
    [
        "exit 1",  # its interpreter fails to run (removed, half-installed)
        "echo False",  # a Python older than 3.11
    ],
)
def test_a_broken_venv_is_made_again_by_the_next_make(checkout, broken):
    installed(checkout)
    script(checkout / ".venv/bin/python", broken)

    plan = make(checkout, "-n", "run", f"PYTHON={sys.executable}")

    assert plan.returncode == 0, plan.stderr
    assert "rm -rf .venv\n" in plan.stdout
    assert f"{sys.executable} -m venv .venv\n" in plan.stdout
    assert ".venv/bin/pip install --quiet -r requirements.txt" in plan.stdout


def test_a_failed_install_is_tried_again_by_the_next_make(checkout):
    installed(checkout)
    (checkout / ".venv/.requirements").unlink()  # as a failed pip leaves it

    plan = make(checkout, "-n", "run")

    assert "-m venv" not in plan.stdout
    assert ".venv/bin/pip install --quiet -r requirements.txt" in plan.stdout


@pytest.mark.parametrize(
    ("env_file", "message"),
    [
        (
            "DJANGO_DEBUG=yes\n",
            "DJANGO_DEBUG='yes' is not a boolean: use true/false, 1/0 or on/off.",
        ),
        ("DJANGO_DEBUG=true\nJUSTAWORD\n", "{checkout}/.env:2: expected KEY=VALUE."),
    ],
)
def test_make_run_with_a_bad_setting_prints_one_line(checkout, env_file, message):
    installed(checkout)
    (checkout / ".env").write_text(env_file)
    # The checkout's own .env, which make run reads, and netsite from the suite.
    env = clean_env(PYTHONPATH=str(ROOT))
    del env["NETSITE_ENV_FILE"]

    result = make(checkout, "run", env=env)

    assert result.returncode != 0
    assert result.stdout == ""
    netsite_says, make_says = result.stderr.splitlines()
    assert netsite_says == message.format(checkout=os.path.realpath(checkout))
    assert make_says.startswith("make: *** [Makefile:")
    assert make_says.endswith(": run] Error 1")


def test_a_venv_made_before_the_stamp_existed_is_kept(checkout):
    installed(checkout)
    (checkout / ".venv/.created").unlink()

    plan = make(checkout, "-n", "run")

    assert "-m venv" not in plan.stdout
    assert "touch .venv/.created" in plan.stdout
