"""
Autobahn|Testsuite's fuzzing client against ``/ws/echo/``.

The suite (``wstest -m fuzzingclient``) is the WebSocket conformance test most
servers are measured with: framing, pings, reserved bits, opcodes,
fragmentation, UTF-8 validation, limits and the closing handshake, each case
rated OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED or FAILED. It runs on
Python 2.7 only. This area uses the one it finds (``NETSITE_PYTHON2``,
``python2.7`` on the PATH, or pyenv's 2.7), installs the suite with pip into a
cache folder once (``stress/autobahn-py27.txt``, every version pinned) and
reads the suite's own ``index.json``. Without a Python 2.7 the area is
skipped locally and fails under ``CI=true``.

A FAILED case is a size-limit case, documented in docs/protocol.md, when
the server closed it with 1009 (a message over ``NETSITE_WS_MAX_MESSAGE``);
any other FAILED case fails the claim. Quick mode leaves out the limits
and performance cases (9.*, messages of up to 16 MB) and the compression
cases (12.*, 13.*; daphne does not offer permessage-deflate).
"""

import collections
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.live import ROOT

NAME = "autobahn"
REQUIREMENTS = ROOT / "stress" / "autobahn-py27.txt"
BOOT = (
    "import site, sys; site.addsitedir(sys.argv.pop(1)); sys.argv[0] = 'wstest'; "
    "from autobahntestsuite.wstest import run; run()"
)


def find_python2():
    """A Python 2.7 interpreter, or None."""
    candidates = [os.environ.get("NETSITE_PYTHON2"), shutil.which("python2.7")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv.glob("versions/2.7*/bin/python2.7"))
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
        except OSError:
            continue
        if version == "(2, 7)":
            return candidate
    return None


def install(python2):
    """Install the pinned suite into a cache folder (once); return the folder."""
    pins = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    target = cache / "netsite" / f"autobahntestsuite-py27-{pins}"
    if (target / ".installed").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    result = subprocess.run(
        [
            python2,
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--no-warn-script-location", "--no-deps", "--target", str(target)),
            *("-r", str(REQUIREMENTS)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip could not install the suite:\n{result.stderr[-2000:]}")
    (target / ".installed").touch()
    return target


def run(run):
    python2 = find_python2()
    if python2 is None:
        run.skip(
            f"{NAME}: Autobahn|Testsuite fuzzing client",
            "no Python 2.7 (the suite's only interpreter): set NETSITE_PYTHON2, "
            "or install one with `pyenv install 2.7.18`",
        )
        return
    run.progress(f"installing Autobahn|Testsuite for {python2}")
    target = install(python2)
    excluded = ["9.*", "12.*", "13.*"] if run.quick else []
    reports = run.directory / "autobahn"
    with run.site("autobahn") as site:
        spec = run.directory / "autobahn-spec.json"
        spec.write_text(
            json.dumps(
                {
                    "outdir": str(reports),
                    "servers": [{"agent": "netsite", "url": f"{site.ws_url}/ws/echo/"}],
                    "cases": ["*"],
                    "exclude-cases": excluded,
                    "exclude-agent-cases": {},
                }
            )
        )
        run.progress("wstest -m fuzzingclient against /ws/echo/")
        log = run.directory / "autobahn.log"
        with log.open("w") as output:
            subprocess.run(
                [python2, "-c", BOOT, str(target), "-m", "fuzzingclient", "-s", spec],
                cwd=run.directory,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=run.pick(600, 3600),
                check=False,
            )
    index = reports / "index.json"
    if not index.exists():
        raise RuntimeError(f"wstest wrote no report; its output is in {log}")
    cases = json.loads(index.read_text())["netsite"]
    behaviour = collections.Counter(case["behavior"] for case in cases.values())
    failed = sorted(
        (c for c, case in cases.items() if case["behavior"] == "FAILED"),
        key=lambda c: [int(p) for p in c.split(".")],
    )
    size_limit = [c for c in failed if cases[c].get("remoteCloseCode") == 1009]
    others = [c for c in failed if c not in size_limit]
    shown = ", ".join(f"{n} {b}" for b, n in sorted(behaviour.items()))
    run.check(
        f"{NAME}: Autobahn|Testsuite fuzzing client on /ws/echo/, "
        + ("all cases" if not excluded else f"all but {', '.join(excluded)}"),
        not others,
        f"{len(cases)} cases: {shown}; {len(size_limit)} of the FAILED closed "
        "with 1009 (size limit)"
        + (f"; FAILED: {', '.join(others[:25])}" if others else "")
        + (" …" if len(others) > 25 else "")
        + f"; report {reports / 'index.html'}",
    )
