"""
netsite's production settings, for the servers that ``make stress`` attacks.

One thing differs, and it is not under attack: passwords use the test
suite's fast hasher, so that setting up sixty accounts and a hundred login
attempts measure netsite, not PBKDF2. (Static files go to the run's temporary
folder through ``NETSITE_STATIC_ROOT``.)
"""

from netsite.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
