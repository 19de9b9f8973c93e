"""
netsite against small peers, side by side, on the targets of the speed work.

Every server runs pinned to CPU 0 and the load generator (``bench/load.py``)
to CPU 1. Each round runs every workload against every server that has it,
in an order that rotates from round to round; the report gives medians over
the rounds. netsite is the real thing: ``manage.py serve`` on a temporary
SQLite file filled by ``manage.py seed_demo``, driven through its real URLs.

Writes BENCHMARKS.md (at the top of the repository) and docs/benchmarks.png,
and the raw figures to bench/results/. bench/README.md explains them.

    python -m bench.run --quick   # under 5 minutes: make bench-quick
    python -m bench.run           # the full run: make bench
"""

import argparse
import datetime
import http.client
import http.cookies
import json
import os
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.processes import (
    LOAD_CORE,
    PYTHON,
    ROOT,
    Server,
    cpu_seconds,
    free_port,
    pinned,
)

RESULTS = ROOT / "bench" / "results"
BASELINE = ROOT / "bench" / "baseline.json"
SECTIONS = ("chat", "http", "memory", "profile")


@dataclass(frozen=True)
class Mode:
    name: str
    posts: int  # seeded board posts
    rounds: int
    seconds: float  # length of one measured stretch
    idle: int  # idle WebSockets for the memory figure
    extras: bool  # also what no target needs: netsite on the stock layer, ASGI memory


MODES = {
    "quick": Mode("quick", 100_000, rounds=2, seconds=1.5, idle=1_000, extras=False),
    "full": Mode("full", 1_000_000, rounds=5, seconds=4.0, idle=5_000, extras=True),
}
ROOM_SIZES = (100, 1_000)
DEEP = 20_000  # posts back, for the deep board page
READERS = 4
WRITERS = 16
PEER_ROOM = "/ws/chat/bench/"

# What each configuration of the chat fan-out runs on: server names.
CHAT = {
    "netsite": ["netsite"],
    "asgi": ["asgi"],
    "websockets": ["websockets"],
    "channels": ["channels"],
    "netsite-stock": ["netsite-stock"],
    "netsite-redis": ["netsite-redis"],
    "netsite-redis-x2": ["netsite-redis", "netsite-redis-2"],
}


def get(path):
    return {"path": path, "expect": 200, "concurrency": READERS}


def form_post(path, csrf=None):
    return {"path": path, "form": True, "csrf": csrf, "expect": 303}


def api_post(path):
    return {"path": path, "json": True, "expect": 201}


# The HTTP workloads: for each, the request every server that has it gets.
HTTP = {
    "page": {
        "netsite": get("/board/"),
        "django": get("/"),
        "asgi": get("/"),
        "flask": get("/"),
    },
    "deep": {
        "netsite": get("/board/?before={deep}"),
        "flask": get("/?before={deep}"),
    },
    "api": {
        "netsite": get("/api/posts/?limit=50"),
        "django": get("/api/posts/"),
        "asgi": get("/api/posts/"),
        "flask": get("/api/posts/?limit=50"),
    },
    "form": {
        "netsite": {**form_post("/board/", csrf="/board/"), "concurrency": WRITERS},
        "flask": {**form_post("/"), "concurrency": WRITERS},
    },
    "api-write": {
        "netsite": {**api_post("/api/posts/"), "concurrency": WRITERS},
        "flask": {**api_post("/api/posts/"), "concurrency": WRITERS},
    },
}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rotated(items, turn):
    items = list(items)
    shift = turn % len(items)
    return items[shift:] + items[:shift]


class Bench:
    """The temporary site, the servers and what the rounds measured."""

    def __init__(self, mode, workdir):
        self.mode = mode
        self.workdir = Path(workdir)
        self.servers = {}
        self.results = []
        self.redis = None
        self.token = secrets.token_hex(20)
        self.password = secrets.token_urlsafe(16)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "NETSITE_", "REDIS_", "DATABASE_"))
        }
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "netsite.settings",
                # Nothing from the checkout's .env: the run sets all it needs.
                "NETSITE_ENV_FILE": os.devnull,
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                "DJANGO_DEBUG": "false",
                "DATABASE_URL": f"sqlite:///{self.workdir / 'netsite.sqlite3'}",
                "NETSITE_STATIC_ROOT": str(self.workdir / "static"),
                # A real site's limits would refuse a benchmark's load.
                "NETSITE_CHAT_RATE": "1000000/1",
                "NETSITE_BOARD_FLOOD": "1000000/1",
                "NETSITE_API_ANON_RATE": "1000000/1",
                "NETSITE_API_USER_RATE": "1000000/1",
                "DJANGO_SUPERUSER_PASSWORD": self.password,
                "PYTHONUNBUFFERED": "1",
            }
        )

    # set-up ---------------------------------------------------------------

    def manage(self, *args):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def prepare(self):
        log(f"seeding a temporary site with {self.mode.posts:,} posts")
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage(
            "seed_demo",
            *("--posts", str(self.mode.posts), "--rooms", "1", "--messages", "0"),
            *("--seed", "1", "-v", "0"),
        )
        self.manage("collectstatic", "--noinput", "-v", "0")
        user = ("--username", "bench", "--email", "bench@example.com")
        self.manage("createsuperuser", "--noinput", *user)
        # Flask gets a copy of the same posts, so that its writes land apart.
        with (
            sqlite3.connect(self.workdir / "netsite.sqlite3") as source,
            sqlite3.connect(self.workdir / "flask.sqlite3") as copy,
        ):
            source.backup(copy)

    def start_redis(self):
        binary = shutil.which("redis-server")
        if binary is None:
            log("redis-server is not installed: the Redis tier is not measured")
            return
        port = free_port()
        command = [binary, "--port", str(port), "--save", "", "--appendonly", "no"]
        self.redis = Server(
            "redis", command, env=self.env, logdir=self.workdir, port=port
        ).wait_ready()

    def command(self, name, port):
        """Return the command line and environment that serve ``name``."""
        serve = [PYTHON, "manage.py", "serve", "--port", str(port)]
        # -v 0: no access log (netsite keeps its own; the peers need none).
        daphne = [PYTHON, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port)]
        gunicorn = [PYTHON, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}"]
        websockets = [PYTHON, "-m", "bench.peers.websockets_room", "--port", str(port)]
        saved = {
            "BENCH_PAGE": str(self.workdir / "page.html"),
            "BENCH_JSON": str(self.workdir / "posts.json"),
        }
        redis = (
            {"REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0"}
            if self.redis
            else {}
        )
        flask = {
            "BENCH_DB": str(self.workdir / "flask.sqlite3"),
            "BENCH_TOKEN": self.token,
        }
        commands = {
            "netsite": (serve, {}),
            "netsite-stock": (serve, {"DJANGO_SETTINGS_MODULE": "bench.settings"}),
            "netsite-redis": (serve, redis),
            "netsite-redis-2": (serve, redis),
            "asgi": ([*daphne, "bench.peers.asgi_room:application"], saved),
            "django": ([*daphne, "bench.peers.django_floor:application"], saved),
            "channels": ([*daphne, "bench.peers.channels_room:application"], {}),
            "websockets": (websockets, {}),
            "flask": ([*gunicorn, "bench.peers.flask_board:app"], flask),
        }
        command, env = commands[name]
        return command, {**self.env, **env}

    def start(self, *names):
        started = []
        for name in names:
            if name.startswith("netsite-redis") and self.redis is None:
                continue
            port = free_port()
            command, env = self.command(name, port)
            self.servers[name] = Server(
                name, command, env=env, logdir=self.workdir, port=port
            )
            started.append(self.servers[name])
        for server in started:
            server.wait_ready()
            log(f"{server.name}: pid {server.pid}, port {server.port}")

    def url(self, name, path):
        return f"http://127.0.0.1:{self.servers[name].port}{path}"

    def fetch(self, name, path, body=None, headers=None):
        """Return the status, headers and body of one request to ``name``."""
        port = self.servers[name].port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST" if body else "GET", path, body, headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def learn_site(self):
        """Save netsite's page and list for the floors; find its room and posts."""
        (self.workdir / "page.html").write_bytes(self.fetch("netsite", "/board/")[2])
        posts = self.fetch("netsite", "/api/posts/?limit=50")[2]
        (self.workdir / "posts.json").write_bytes(posts)
        self.deep = json.loads(posts)["results"][0]["id"] - DEEP
        rooms = json.loads(self.fetch("netsite", "/api/rooms/?limit=1")[2])
        self.room = f"/ws/chat/{rooms['results'][0]['slug']}/"
        credentials = {"username": "bench", "password": self.password}
        answer = self.fetch(
            "netsite",
            "/api/token/",
            json.dumps(credentials),
            {"Content-Type": "application/json"},
        )
        self.netsite_token = json.loads(answer[2])["token"]
        self.revalidation = self.check_revalidation()

    def check_revalidation(self):
        """
        Return what a repeat visit of /board/ gets, sent as a browser sends
        it (with the validators and the cookies of the first answer): 304
        when it revalidates.
        """
        _, headers, _ = self.fetch("netsite", "/board/")
        validators = {
            "If-None-Match": headers.get("ETag"),
            "If-Modified-Since": headers.get("Last-Modified"),
        }
        validators = {k: v for k, v in validators.items() if v}
        if not validators:
            return {"validators": [], "status": None}
        cookies = http.cookies.SimpleCookie()
        for line in headers.get_all("Set-Cookie") or []:
            cookies.load(line)
        sent = "; ".join(f"{name}={m.value}" for name, m in cookies.items())
        status = self.fetch(
            "netsite", "/board/", headers={**validators, "Cookie": sent}
        )[0]
        return {"validators": sorted(validators), "status": status}

    def stop(self):
        for server in [*self.servers.values(), self.redis]:
            if server is not None:
                server.stop()
        self.servers.clear()
        self.redis = None

    # measuring -------------------------------------------------------------

    def load(self, spec):
        done = subprocess.run(
            pinned(LOAD_CORE, [PYTHON, "-m", "bench.load", json.dumps(spec)]),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            raise SystemExit(f"the load generator failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def chat(self, config, receivers, **extra):
        names = CHAT[config]
        path = self.room if names[0].startswith("netsite") else PEER_ROOM
        spec = {
            "mode": "chat",
            "urls": [self.url(n, path).replace("http:", "ws:") for n in names],
            "receivers": receivers,
            "seconds": self.mode.seconds,
            "pids": [self.servers[n].pid for n in names],
            **extra,
        }
        redis_before = cpu_seconds([self.redis.pid]) if self.redis else 0
        result = self.load(spec)
        if config.startswith("netsite-redis"):
            result["redis_cpu_s"] = cpu_seconds([self.redis.pid]) - redis_before
        return result

    def http(self, workload, config, **extra):
        spec = {
            "mode": "http",
            "port": self.servers[config].port,
            "seconds": self.mode.seconds,
            "pids": [self.servers[config].pid],
            "token": self.netsite_token if config == "netsite" else self.token,
            **HTTP[workload][config],
            **extra,
        }
        spec["path"] = spec["path"].format(deep=self.deep)
        return self.load(spec)

    def record(self, section, workload, config, turn, result):
        self.results.append(
            {"section": section, "workload": workload, "config": config, "round": turn}
            | result
        )

    def rounds(self, sections):
        for turn in range(1, self.mode.rounds + 1):
            prefix = f"round {turn}/{self.mode.rounds}"
            if "chat" in sections:
                for receivers in ROOM_SIZES:
                    configs = [c for c in CHAT if CHAT[c][0] in self.servers]
                    for config in rotated(configs, turn):
                        result = self.chat(config, receivers)
                        self.record("chat", f"chat-{receivers}", config, turn, result)
                        log(
                            f"{prefix} chat N={receivers} {config}: "
                            f"{result['cpu_us_per_delivery']:.1f} µs/delivery, "
                            f"{result['lost']} lost, {result['duplicated']} dup, "
                            f"{result['reordered']} reordered"
                        )
            if "http" in sections:
                for workload, configs in HTTP.items():
                    for config in rotated(configs, turn):
                        result = self.http(workload, config)
                        self.record("http", workload, config, turn, result)
                        log(
                            f"{prefix} {workload} {config}: "
                            f"{result['cpu_ms_per_request']:.2f} ms/request, "
                            f"{result['requests_per_s']:.0f}/s, "
                            f"{result['unexpected']} unexpected"
                        )

    def memory(self):
        """Idle WebSockets on fresh servers: resident memory per connection."""
        for name in ("netsite", "websockets", *(["asgi"] if self.mode.extras else [])):
            self.start(name)
            path = self.room if name == "netsite" else PEER_ROOM
            spec = {
                "mode": "idle",
                "url": self.url(name, path).replace("http:", "ws:"),
                "connections": self.mode.idle,
                "pids": [self.servers[name].pid],
            }
            result = self.load(spec)
            self.record("memory", "idle", name, 1, result)
            log(
                f"memory {name}: {result['bytes_per_connection'] / 1024:.1f} KiB "
                f"per idle WebSocket ({result['open']}/{self.mode.idle} open)"
            )
            self.servers.pop(name).stop()

    def profile(self, section, workload):
        """Sample netsite with py-spy through one more stretch of ``workload``."""
        if not (Path(PYTHON).parent / "py-spy").exists():
            return {"error": "py-spy is not installed (requirements-dev.txt)"}
        RESULTS.mkdir(exist_ok=True)
        output = RESULTS / f"profile-{workload}.txt"  # collapsed stacks, kept
        output.unlink(missing_ok=True)
        # Long enough for a thousand samples or so on a busy machine.
        extra = {"profile": str(output), "seconds": max(5, 2 * self.mode.seconds)}
        if section == "chat":
            self.chat("netsite", int(workload.split("-")[1]), **extra)
        else:
            self.http(workload, "netsite", **extra)
        if not output.exists():
            return {"error": "py-spy wrote nothing (may it attach to processes?)"}
        return report.summarise_profile(output.read_text())

    def locked(self):
        """Count "database is locked" in the servers' logs."""
        return {
            name: server.log.read_text(errors="replace").count("database is locked")
            for name, server in self.servers.items()
        }


def machine():
    with open("/proc/cpuinfo") as info:
        models = [
            line.split(":", 1)[1].strip() for line in info if "model name" in line
        ]
    with open("/proc/meminfo") as info:
        memory = int(info.readline().split()[1]) / 1024**2
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cpu": models[0] if models else "unknown CPU",
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "load": os.getloadavg(),
        "commit": commit,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="under 5 minutes")
    parser.add_argument(
        "--rounds", type=int, help="override the mode's rounds (0: profile only)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=SECTIONS,
        help="measure only these parts (the report marks the rest unmeasured)",
    )
    parser.add_argument(
        "--save-baseline",
        action="store_true",
        help="store this run's write throughput as the P3 baseline",
    )
    args = parser.parse_args()
    mode = MODES["quick" if args.quick else "full"]
    if args.rounds is not None:
        mode = Mode(**{**mode.__dict__, "rounds": args.rounds})
    # Thousands of sockets: the servers and the load generator inherit this.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    started = time.monotonic()
    host = machine()
    profiles = {}
    with tempfile.TemporaryDirectory(prefix="netsite-bench-") as workdir:
        bench = Bench(mode, workdir)
        try:
            bench.prepare()
            bench.start_redis()
            bench.start("netsite")
            bench.learn_site()
            bench.start(
                "asgi",
                "websockets",
                "channels",
                "django",
                "flask",
                "netsite-redis",
                "netsite-redis-2",
                *(["netsite-stock"] if mode.extras else []),
            )
            bench.rounds(args.only)
            locked = bench.locked()
            if "profile" in args.only:
                log("profiling netsite with py-spy (not measured)")
                profiles["GET /board/"] = bench.profile("http", "page")
                profiles["GET /api/posts/?limit=50"] = bench.profile("http", "api")
                profiles["chat fan-out, N = 1,000"] = bench.profile("chat", "chat-1000")
            bench.stop()
            if "memory" in args.only:
                bench.memory()
        finally:
            bench.stop()
        revalidation = bench.revalidation

    summary = report.summarise(bench.results)
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    if args.save_baseline:
        baseline[mode.name] = {
            workload: summary[(workload, "netsite")]["requests_per_s"]
            for workload in ("form", "api-write")
            if (workload, "netsite") in summary
        } | {"commit": host["commit"]}
        BASELINE.write_text(json.dumps(baseline, indent=2) + "\n")
    run = {
        "mode": mode.__dict__,
        "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.monotonic() - started),
        "machine": host,
        "revalidation": revalidation,
        "locked": locked,
        # A run that records the baseline has nothing to compare it with.
        "baseline": None if args.save_baseline else baseline.get(mode.name),
        "baseline_saved": args.save_baseline,
        "profiles": profiles,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw = {"run": run, "results": bench.results}
    (RESULTS / f"{stamp}.json").write_text(json.dumps(raw, indent=1) + "\n")
    report.write(run, summary, markdown=ROOT / "BENCHMARKS.md", chart_path=report.CHART)
    log(f"done in {run['seconds']} s: BENCHMARKS.md, {report.CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
