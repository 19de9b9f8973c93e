"""
What one ``make stress`` run shares: its temporary folder, the template
database, the quick/full switch, and the one-line results.

An area (``stress.crash``, ``stress.abuse``, …) calls ``run.check(name, ok,
figures)`` once per claim it tests; the runner prints ``PASS`` or ``FAIL``
with the figures, and exits non-zero when anything failed. Progress goes to
stderr, on one rewritten line on a terminal.
"""

import contextlib
import os
import sys
import time
import traceback

from stress.site import Site, Template
from tests.tiers import in_ci


class Run:
    def __init__(self, *, quick, directory, postgres=None):
        self.quick = quick
        self.directory = directory
        self.postgres = postgres  # a started tests.live.PostgresServer, or None
        self.results = []  # (status, name, figures)
        self._template = None
        self._tty = sys.stderr.isatty()
        self._progress_shown = False

    def pick(self, quick, full):
        """The quick mode's figure or the full mode's."""
        return quick if self.quick else full

    @property
    def template(self):
        if self._template is None:
            self.progress("migrating the template database, collecting static files")
            self._template = Template(self.directory, postgres=self.postgres)
        return self._template

    @contextlib.contextmanager
    def site(self, name, **env):
        """A started netsite on its own copy of the template database."""
        site = Site(self.template, name, env=env)
        self.progress(f"starting {name} on port {site.port}")
        site.start()
        try:
            yield site
        finally:
            site.stop()

    # Output --------------------------------------------------------------------

    def progress(self, text):
        if self._tty:
            sys.stderr.write("\r\033[K  … " + text[:150])
            self._progress_shown = True
        else:
            sys.stderr.write(f"  … {text}\n")
        sys.stderr.flush()

    def _line(self, status, name, figures):
        if self._progress_shown:
            sys.stderr.write("\r\033[K")
            self._progress_shown = False
        self.results.append((status, name, figures))
        print(f"{status:4}  {name}: {figures}", flush=True)

    def check(self, name, ok, figures):
        self._line("PASS" if ok else "FAIL", name, figures)
        return ok

    def skip(self, name, why):
        """A tool is missing: SKIP locally, FAIL under CI=true (the tier rule)."""
        self._line("FAIL" if in_ci() else "SKIP", name, why)

    def area(self, module):
        """Run one area; an exception fails it with the error and the log."""
        started = time.monotonic()
        try:
            module.run(self)
        except Exception as error:  # report and go on to the next area
            detail = "".join(traceback.format_exception_only(error)).strip()
            self._line("FAIL", module.NAME, f"aborted: {detail[:2000]}")
            if os.environ.get("STRESS_TRACEBACK"):
                traceback.print_exc()
        self.progress(f"{module.NAME} took {time.monotonic() - started:.0f} s")

    @property
    def failed(self):
        return [r for r in self.results if r[0] == "FAIL"]
