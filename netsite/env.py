"""
Strict readers for settings that come from the environment.

Each helper reads one variable and either returns a value of the right type or
raises ``ImproperlyConfigured`` naming the variable and what it accepts. A typo
such as ``DJANGO_DEBUG=Flase`` therefore stops the site at start-up instead of
quietly meaning something else.
"""

import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"true", "1", "on"}
_FALSE = {"false", "0", "off"}


def _raw(name):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name, default=None):
    """Return the variable as a stripped string, or ``default`` when unset."""
    value = _raw(name)
    return default if value is None else value


def env_bool(name, *, default):
    """Return ``True`` for true/1/on, ``False`` for false/0/off; raise otherwise."""
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use true/false, 1/0 or on/off."
    )


def env_int(name, *, default, minimum=None, maximum=None):
    """Return the variable as an integer from ``minimum`` to ``maximum``."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} must be at most {maximum}.")
    return number


def env_list(name, *, default=()):
    """Return a comma-separated variable as a list of non-empty items."""
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_rate(name, *, default):
    """
    Return a rate written ``COUNT/SECONDS`` (``5/30``: five per thirty seconds)
    as a ``(count, seconds)`` pair of positive integers.
    """
    value = _raw(name) or default
    count, sep, seconds = value.partition("/")
    try:
        pair = (int(count), int(seconds))
    except ValueError:
        pair = None
    if not sep or pair is None or pair[0] < 1 or pair[1] < 1:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate: write COUNT/SECONDS, e.g. 5/30."
        )
    return pair


def env_origins(name):
    """Return a list of origins (``https://example.org``), rejecting bare hosts."""
    origins = env_list(name)
    for origin in origins:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            raise ImproperlyConfigured(
                f"{name} item {origin!r} is not an origin: write "
                "scheme://host[:port], e.g. https://netsite.example."
            )
    return origins


def env_path(name, *, default):
    """Return the variable as an absolute ``Path``; a relative one is refused."""
    value = _raw(name)
    if value is None:
        return None if default is None else Path(default)
    path = Path(value)
    if not path.is_absolute():
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an absolute path: start it with /."
        )
    return path


def env_email(name, *, default):
    """
    Return an e-mail address, bare (``noreply@netsite.example``) or with a
    name (``netsite <noreply@netsite.example>``); refuse anything else.
    """
    value = _raw(name) or default
    shown, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError:
        address = None
    if address is None or not (value == address or value.endswith(f"<{address}>")):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an e-mail address: write "
            "noreply@netsite.example or 'netsite <noreply@netsite.example>'."
        ) from None
    return value


def env_database(name, *, default):
    """Return Django's DATABASES entry for a database URL (``postgres://…``)."""
    value = _raw(name) or default
    try:
        return dj_database_url.parse(value, conn_max_age=0)
    except ValueError:  # an unknown scheme, a port that is no number
        # Not the value itself: it holds the database password.
        scheme = value.partition("://")[0]
        raise ImproperlyConfigured(
            f"{name} ({scheme}://…) is not a database URL netsite can use: write "
            "postgres://USER:PASSWORD@HOST:5432/NAME or sqlite:////path/db.sqlite3."
        ) from None


ENV_FILE = "NETSITE_ENV_FILE"


def load_dotenv(default):
    """
    Copy ``KEY=VALUE`` lines of the env file into the environment, never
    overriding a variable that is already set. The entry points
    (``manage.py``, ``netsite.asgi``) call this so that ``make run`` finds the
    secret key it generated; settings themselves only ever read ``os.environ``.

    The file is ``default`` (the ``.env`` beside ``manage.py``) when it exists,
    or the one ``NETSITE_ENV_FILE`` names, which must exist. The test suite
    sets ``NETSITE_ENV_FILE=/dev/null`` so that a checkout's ``.env`` never
    reaches the processes it starts.
    """
    chosen = _raw(ENV_FILE)
    path = Path(default if chosen is None else chosen)
    if chosen is None and not path.is_file():
        return
    try:
        text = path.read_text()
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        where = f"{ENV_FILE}={chosen!r}" if chosen is not None else str(path)
        raise ImproperlyConfigured(f"{where} cannot be read: {reason}.") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{path}:{number}: expected KEY=VALUE.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)
