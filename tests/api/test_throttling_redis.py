"""
With a Redis cache, the API's request counters are shared between processes.

Needs the redis-server binary: the ``redis_server`` fixture starts a throwaway
one and marks the test ``redis`` (the tier rule of ``tests/tiers.py``).
"""

import subprocess
import sys

import pytest

from django.conf import settings
from django.test import override_settings

from tests.live import clean_env

WINDOW = 10**6


def count_in_another_process(redis_url):
    """Count one anonymous request from 127.0.0.1 in a separate Python process."""
    code = (
        "import django; django.setup();"
        "from content.ratelimit import check_rate;"
        f"print(check_rate('api-anon', '127.0.0.1', rate=(2, {WINDOW})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_env(DJANGO_SETTINGS_MODULE="tests.settings", REDIS_URL=redis_url),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.django_db
def test_a_limit_reached_in_one_process_holds_in_another(redis_server, anon):
    redis_url = redis_server.url
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "netsite",
        }
    }
    with override_settings(CACHES=caches, NETSITE_API_ANON_RATE=(2, WINDOW)):
        assert anon.get("/api/posts/").status_code == 200
        # The second request of the budget is spent by another process.
        assert count_in_another_process(redis_url) == "None"
        response = anon.get("/api/posts/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
