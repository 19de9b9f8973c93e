"""
netsite's production settings, for the servers that ``make stress`` attacks.

Two things differ, neither of them under attack: static files are collected
into the run's temporary folder (``NETSITE_STRESS_STATIC_ROOT``) instead of
the checkout, and passwords use the test suite's fast hasher, so that a
hundred login attempts measure the lockout rather than PBKDF2.
"""

import os

from netsite.settings import *  # noqa: F403

STATIC_ROOT = os.environ["NETSITE_STRESS_STATIC_ROOT"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
