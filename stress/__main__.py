"""
``python -m stress [--quick] [--only AREA …]``: attack real netsite processes
and print one PASS/FAIL line per claim; exit 1 if any failed.

RELIABILITY.md lists the areas, what each attacks, and the figures of the
last full run.
"""

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from stress import abuse, autobahn, concurrency, crash, crowd, shutdown, stalled
from stress.run import Run
from tests.live import POSTGRES_BIN, PostgresServer

AREAS = [crash, shutdown, concurrency, crowd, stalled, abuse, autobahn]


def raise_open_file_limit():
    """
    A thousand sockets need more than the usual 1,024 descriptors, here and
    in the servers started from here (they inherit the limit).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m stress",
        description="Attack real netsite processes; print PASS/FAIL per claim.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer rounds and shorter floods: the CI budget (under 5 minutes)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[area.NAME for area in AREAS],
        metavar="AREA",
        help="run only this area (repeatable): "
        + ", ".join(area.NAME for area in AREAS),
    )
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="sqlite (the embedded tier, default) or postgres: a throwaway "
        "PostgreSQL server started for the run (needs Debian's postgresql)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder (server logs, databases, reports)",
    )
    args = parser.parse_args(argv)

    raise_open_file_limit()
    directory = Path(tempfile.mkdtemp(prefix="netsite-stress-"))
    postgres = None
    if args.database == "postgres":
        if not (POSTGRES_BIN / "initdb").exists():
            print(f"No PostgreSQL at {POSTGRES_BIN}: apt-get install postgresql")
            return 2
        postgres = PostgresServer().start()
    run = Run(quick=args.quick, directory=directory, postgres=postgres)
    mode = "quick" if args.quick else "full"
    print(
        f"netsite stress, {mode} mode, {args.database}; servers and logs in "
        f"{directory}",
        flush=True,
    )
    started = time.monotonic()
    try:
        for area in AREAS:
            if args.only is None or area.NAME in args.only:
                run.area(area)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        elapsed = time.monotonic() - started
        if postgres is not None:
            postgres.stop()
        if run.failed or args.keep:
            print(f"logs kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    passed = sum(1 for status, *_ in run.results if status == "PASS")
    skipped = sum(1 for status, *_ in run.results if status == "SKIP")
    print(
        f"{passed} passed, {len(run.failed)} failed"
        + (f", {skipped} skipped" if skipped else "")
        + f" in {elapsed:.0f} s"
    )
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
