"""
Strict readers for settings that come from the environment.

Each helper reads one variable and either returns a value of the right type or
raises ``ImproperlyConfigured`` naming the variable and what it accepts. A typo
such as ``DJANGO_DEBUG=Flase`` therefore stops the site at start-up instead of
quietly meaning something else.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

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


def env_int(name, *, default, minimum=None):
    """Return the variable as an integer no smaller than ``minimum``."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
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


def load_dotenv(path):
    """
    Copy ``KEY=VALUE`` lines of ``path`` into the environment, never overriding
    a variable that is already set. The entry points (``manage.py``,
    ``netsite.asgi``) call this so that ``make run`` finds the secret key it
    generated; settings themselves only ever read ``os.environ``.
    """
    path = Path(path)
    if not path.is_file():
        return
    for number, line in enumerate(path.read_text().splitlines(), start=1):
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
