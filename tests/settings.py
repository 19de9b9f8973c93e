"""
Settings for the test suite: netsite's own settings plus test-only defaults.

Only what a test run needs differs: a throwaway secret key, a fast password
hasher, and static files served from the source folders (no collectstatic).
Every variable the suite sets explicitly can still be overridden from the
environment, which is how the scale-out tier points the suite at PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "netsite-test-secret-key-" + "x" * 40)

from netsite.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = True
