"""
The servers under test: started pinned to a core, read through /proc, stopped.

A server's cost is the CPU time (user + system) of its whole process tree,
read from ``/proc/<pid>/stat`` before and after a measured stretch, so that
gunicorn's worker counts beside its master and daphne's thread pool beside
its reactor. Memory is the resident set (``VmRSS``) of the same tree.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CORE = 0
LOAD_CORE = 1
READY_SECONDS = 60


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree(pid):
    """Return ``pid`` and the pids of all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def cpu_seconds(pids):
    """Return the CPU time used so far by the process trees of ``pids``."""
    total = 0
    for pid in {p for root in pids for p in tree(root)}:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_bytes(pids):
    """Return the resident memory of the process trees of ``pids``."""
    total = 0
    for pid in {p for root in pids for p in tree(root)}:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def pinned(core, command):
    """Return ``command`` run on CPU ``core`` only."""
    return ["taskset", "-c", str(core), *command]


class Server:
    """One server process on a port of its own, pinned to the server core."""

    def __init__(self, name, command, *, env, logdir, port):
        self.name = name
        self.port = port
        self.log = Path(logdir) / f"{name}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                pinned(SERVER_CORE, command),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.process.pid  # taskset execs the command: same pid

    def wait_ready(self):
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not listen within {READY_SECONDS} s")

    def tail(self, size=3000):
        return self.log.read_text(errors="replace")[-size:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
