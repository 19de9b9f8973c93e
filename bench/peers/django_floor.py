"""
The floor of Django on daphne: constant responses through the default middleware.

A one-file Django project with the middleware ``startproject`` writes. ``GET
/`` answers the bytes of the file named by ``BENCH_PAGE``, ``GET /api/posts/``
those of ``BENCH_JSON`` (the runner saves netsite's own board page and API
list there). No query, no template, no serializer: what is left is what any
Django page costs on daphne before it does its own work.

    daphne -b 127.0.0.1 -p 8001 bench.peers.django_floor:application
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY=secrets.token_urlsafe(40),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
)


def saved(variable):
    """Return the bytes of the file that ``variable`` names (none when unset)."""
    name = os.environ.get(variable)
    return Path(name).read_bytes() if name else b""


PAGE = saved("BENCH_PAGE")
POSTS = saved("BENCH_JSON")


def page(request):
    return HttpResponse(PAGE)


def posts(request):
    return HttpResponse(POSTS, content_type="application/json")


urlpatterns = [path("", page), path("api/posts/", posts)]

application = get_asgi_application()
