import os
from pathlib import Path

import pytest

from django.core.exceptions import ImproperlyConfigured

from netsite.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_origins,
    env_path,
    env_rate,
    env_str,
    load_dotenv,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("ON", True), ("false", False), ("0", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("NETSITE_X", raw)
    assert env_bool("NETSITE_X", default=not expected) is expected


@pytest.mark.parametrize("raw", ["yes", "Flase", "2", "tru"])
def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("DJANGO_DEBUG", raw)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", default=False)


def test_unset_and_blank_variables_take_the_default(monkeypatch):
    monkeypatch.delenv("NETSITE_X", raising=False)
    assert env_bool("NETSITE_X", default=True) is True
    monkeypatch.setenv("NETSITE_X", "  ")
    assert env_str("NETSITE_X", "d") == "d"
    assert env_int("NETSITE_X", default=3) == 3


def test_env_int_rejects_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("NETSITE_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="NETSITE_N"):
        env_int("NETSITE_N", default=1)
    monkeypatch.setenv("NETSITE_N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("NETSITE_N", default=1, minimum=0)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "a.example, b.example,,")
    assert env_list("DJANGO_ALLOWED_HOSTS") == ["a.example", "b.example"]


@pytest.mark.parametrize("raw", ["5", "5/", "/30", "five/30", "0/30", "5/-1"])
def test_env_rate_rejects_malformed_rates(monkeypatch, raw):
    monkeypatch.setenv("NETSITE_BOARD_FLOOD", raw)
    with pytest.raises(ImproperlyConfigured, match="NETSITE_BOARD_FLOOD"):
        env_rate("NETSITE_BOARD_FLOOD", default="5/30")


def test_env_rate_reads_count_and_seconds(monkeypatch):
    monkeypatch.setenv("NETSITE_CHAT_RATE", "10/5")
    assert env_rate("NETSITE_CHAT_RATE", default="1/1") == (10, 5)


def test_env_origins_rejects_bare_hosts(monkeypatch):
    monkeypatch.setenv("DJANGO_CSRF_TRUSTED_ORIGINS", "netsite.example")
    with pytest.raises(ImproperlyConfigured, match="scheme://host"):
        env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")
    monkeypatch.setenv("DJANGO_CSRF_TRUSTED_ORIGINS", "https://netsite.example")
    assert env_origins("DJANGO_CSRF_TRUSTED_ORIGINS") == ["https://netsite.example"]


def test_env_path_takes_an_absolute_path_and_refuses_a_relative_one(monkeypatch):
    monkeypatch.delenv("NETSITE_STATIC_ROOT", raising=False)
    assert env_path("NETSITE_STATIC_ROOT", default="/srv/a") == Path("/srv/a")
    monkeypatch.setenv("NETSITE_STATIC_ROOT", "/srv/static")
    assert env_path("NETSITE_STATIC_ROOT", default="/srv/a") == Path("/srv/static")
    monkeypatch.setenv("NETSITE_STATIC_ROOT", "static")
    with pytest.raises(ImproperlyConfigured, match="'static' is not an absolute"):
        env_path("NETSITE_STATIC_ROOT", default="/srv/a")


@pytest.fixture
def no_env_file(monkeypatch):
    """Unset NETSITE_ENV_FILE, which the test run points at /dev/null."""
    monkeypatch.delenv("NETSITE_ENV_FILE", raising=False)


def test_load_dotenv_never_overrides_the_environment(
    monkeypatch, tmp_path, no_env_file
):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nNETSITE_A=from-file\nNETSITE_B='quoted'\n")
    monkeypatch.setenv("NETSITE_A", "from-env")
    monkeypatch.delenv("NETSITE_B", raising=False)
    load_dotenv(dotenv)

    assert os.environ["NETSITE_A"] == "from-env"
    assert os.environ["NETSITE_B"] == "quoted"
    monkeypatch.delenv("NETSITE_B")


def test_load_dotenv_rejects_a_line_without_equals(tmp_path, no_env_file):
    dotenv = tmp_path / ".env"
    dotenv.write_text("JUSTAWORD\n")
    with pytest.raises(ImproperlyConfigured, match=":1:"):
        load_dotenv(dotenv)


def test_load_dotenv_without_a_file_changes_nothing(tmp_path, no_env_file):
    before = dict(os.environ)
    load_dotenv(tmp_path / ".env")
    assert dict(os.environ) == before


def test_netsite_env_file_replaces_the_default_file(monkeypatch, tmp_path):
    default, chosen = tmp_path / ".env", tmp_path / "chosen.env"
    default.write_text("NETSITE_A=from-default\n")
    chosen.write_text("NETSITE_B=from-chosen\n")
    monkeypatch.setenv("NETSITE_ENV_FILE", str(chosen))
    monkeypatch.delenv("NETSITE_A", raising=False)
    monkeypatch.delenv("NETSITE_B", raising=False)

    load_dotenv(default)

    assert "NETSITE_A" not in os.environ
    assert os.environ["NETSITE_B"] == "from-chosen"
    monkeypatch.delenv("NETSITE_B")


def test_netsite_env_file_set_to_dev_null_reads_nothing(monkeypatch, tmp_path):
    default = tmp_path / ".env"
    default.write_text("NETSITE_A=from-default\n")
    monkeypatch.setenv("NETSITE_ENV_FILE", os.devnull)
    monkeypatch.delenv("NETSITE_A", raising=False)

    load_dotenv(default)

    assert "NETSITE_A" not in os.environ


def test_a_missing_netsite_env_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("NETSITE_ENV_FILE", str(tmp_path / "gone.env"))
    with pytest.raises(ImproperlyConfigured, match="NETSITE_ENV_FILE=.*gone.env"):
        load_dotenv(tmp_path / ".env")


def test_env_database_reads_a_url_and_refuses_one_it_cannot_use(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://ada:s3cret@db:5432/netsite")
    database = env_database("DATABASE_URL", default="sqlite:////tmp/x.sqlite3")
    assert (database["ENGINE"], database["NAME"], database["PORT"]) == (
        "django.db.backends.postgresql",
        "netsite",
        5432,
    )
    for url in ("nonsense://db/netsite", "postgres://ada:s3cret@db:port/netsite"):
        monkeypatch.setenv("DATABASE_URL", url)
        with pytest.raises(ImproperlyConfigured) as error:
            env_database("DATABASE_URL", default="sqlite:////tmp/x.sqlite3")
        assert str(error.value).startswith("DATABASE_URL (")
        assert "s3cret" not in str(error.value)


@pytest.mark.parametrize(
    "raw", ["noreply@netsite.example", "netsite <noreply@netsite.example>"]
)
def test_env_email_takes_an_address_bare_or_with_a_name(monkeypatch, raw):
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", raw)
    assert env_email("DEFAULT_FROM_EMAIL", default="x@localhost") == raw


@pytest.mark.parametrize(
    "raw", ["netsite", "a@b", "a@b.example, c@d.example", "x <y@z.example"]
)
def test_env_email_refuses_what_is_no_single_address(monkeypatch, raw):
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", raw)
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL"):
        env_email("DEFAULT_FROM_EMAIL", default="x@localhost")


def test_env_int_refuses_values_above_the_maximum(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "65536")
    with pytest.raises(ImproperlyConfigured, match="at most 65535"):
        env_int("EMAIL_PORT", default=587, maximum=65535)
