"""``manage.py createsuperuser`` (what ``make superuser`` runs) without a terminal."""

from io import StringIO

import pytest

from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_without_a_terminal_it_fails_saying_how_to_create_an_admin(
    django_user_model,
):
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("createsuperuser", stdin=StringIO(), stdout=out)

    message = str(raised.value)
    assert "\n" not in message
    assert "run it in one" in message
    assert "DJANGO_SUPERUSER_PASSWORD" in message and "--noinput" in message
    assert out.getvalue() == ""  # not Django's "skipped" line
    assert not django_user_model.objects.exists()


def test_with_noinput_it_creates_the_admin_from_the_environment(
    django_user_model, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-passphrase-1")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "root",
        "--email",
        "root@example.org",
        stdin=StringIO(),
        stdout=StringIO(),
    )

    admin = django_user_model.objects.get()
    assert admin.is_superuser and admin.check_password("a-long-passphrase-1")
