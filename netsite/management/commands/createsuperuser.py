"""
``manage.py createsuperuser``: Django's command, but it fails plainly without
a terminal.

Django's own command, run interactively without a terminal (``make
superuser`` from a script, a pipe, CI), prints that it skipped and exits 0,
so the script goes on as if an admin existed. This one exits non-zero with
one line saying what to do instead. Everything else is Django's.
"""

from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError

NO_TERMINAL = (
    "createsuperuser needs a terminal for its questions: run it in one, or "
    "set DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and "
    "DJANGO_SUPERUSER_PASSWORD and run `manage.py createsuperuser --noinput`."
)


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        if options["interactive"] and not _is_terminal(self.stdin):
            raise CommandError(NO_TERMINAL)
        return super().handle(*args, **options)


def _is_terminal(stream):
    # The same test Django's command makes before it skips.
    return not hasattr(stream, "isatty") or stream.isatty()
