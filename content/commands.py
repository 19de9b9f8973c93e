"""
What the operators' commands (``post``, ``export``, ``import``, ``prune``,
``stats``, ``seed_demo``) share.

A command's stdout carries its result and nothing else, so that
``manage.py export posts > posts.jsonl`` or ``manage.py stats --json | jq``
work. Diagnostics go to stderr: the command's own messages, the site's JSON
log lines (which settings send to stdout for the server's sake, and which
``OperatorCommand`` moves to stderr while a command runs) and the progress
bar, drawn only when stderr is a terminal so that logs and CI output stay
clean.

Verbosity: ``-v 0`` prints only results and errors, ``-v 1`` (the default)
adds a summary line, warnings and the progress bar, ``-v 2`` adds the site's
INFO log lines (one per stored post, for instance).

Commands that write what open pages show live (``post``, ``say``) run in
their own process: their broadcast reaches the server only through a shared
channel layer (``REDIS_URL``). Without one they say so in one line
(``warn_unless_broadcasting``); ``manage.py check --deploy`` reports the same
as ``chat.W001``.
"""

import logging
import sys
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

BROADCAST_WARNING = (
    "Warning: REDIS_URL is not set, so open pages show this {what} only after a reload."
)


class OperatorCommand(BaseCommand):
    """A BaseCommand whose stdout holds results only."""

    def execute(self, *args, **options):
        self.verbosity = options.get("verbosity", 1)
        stderr = options.get("stderr") or sys.stderr
        with _logs_to(stderr, verbosity=self.verbosity):
            return super().execute(*args, **options)

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # A mistyped option is bad input like any other: one line on stderr
        # (argparse's "manage.py export: error: ...", exit status 2) instead
        # of the usage summary first; --help shows that.
        parser.print_usage = lambda file=None: None
        return parser

    def note(self, message, *, level=1):
        """Write a diagnostic line to stderr when verbosity is at least ``level``."""
        if self.verbosity >= level:
            self.stderr.write(message, style_func=lambda text: text)

    def warn_unless_broadcasting(self, what):
        """
        Warn in one line that open pages will not see ``what`` at once, unless
        a shared channel layer (``REDIS_URL``) carries the broadcast to them.
        """
        if not settings.REDIS_URL:
            self.note(BROADCAST_WARNING.format(what=what))

    def progress(self, label, total=None):
        """Return a progress bar on stderr (silent unless it is a terminal)."""
        enabled = self.verbosity >= 1 and self.stderr.isatty()
        return Progress(self.stderr, label, total=total, enabled=enabled)


@contextmanager
def _logs_to(stream, *, verbosity):
    """Send the root logger's stdout handlers to ``stream`` for a while."""
    changed = []
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream in (
            sys.stdout,
            sys.__stdout__,
        ):
            changed.append((handler, handler.stream, handler.level))
            handler.setStream(stream)
            if verbosity < 2:
                handler.setLevel(max(handler.level, logging.WARNING))
    try:
        yield
    finally:
        for handler, old_stream, old_level in changed:
            handler.setStream(old_stream)
            handler.setLevel(old_level)


class Progress:
    """
    A one-line progress bar: ``label [#####.....]  52%  520,000/1,000,000``.

    Redrawn at most ten times a second; the final line stays on screen. With
    an unknown ``total`` it shows the count alone.
    """

    WIDTH = 30

    def __init__(self, stream, label, *, total=None, enabled=True):
        self.stream = stream
        self.label = label
        self.total = total
        self.enabled = enabled
        self.done = 0
        self._drawn_at = 0.0

    def __enter__(self):
        self._draw()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.enabled:
            self._draw(force=True)
            self.stream.write("", style_func=lambda text: text)

    def advance(self, count=1):
        self.done += count
        if self.enabled and time.monotonic() - self._drawn_at >= 0.1:
            self._draw()

    def _draw(self, force=False):
        if not self.enabled:
            return
        self._drawn_at = time.monotonic()
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = round(share * self.WIDTH)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            line = f"{self.label} [{bar}] {share:4.0%}  {self.done:,}/{self.total:,}"
        else:
            line = f"{self.label} {self.done:,}"
        self.stream.write("\r" + line, ending="", style_func=lambda text: text)
        self.stream.flush()


def user_named(username):
    """The user called ``username``; a ``CommandError`` says so if there is none."""
    model = get_user_model()
    try:
        return model._default_manager.get_by_natural_key(username)
    except model.DoesNotExist:
        raise CommandError(f"There is no user {username!r}.") from None
