"""
How much a chat delivery costs netsite, against a bare ``websockets`` server.

Starts, on loopback ports of their own:

- ``netsite``: ``manage.py serve`` (daphne) with netsite's fan-out channel layer,
- ``netsite-stock``: the same with Channels' stock ``InMemoryChannelLayer``
  (``BENCH_CHANNEL_LAYER=stock``, see bench/settings.py) and, on the bench route,
  Channels' stock consumer dispatch,
- ``websockets``: ``bench/peer_websockets.py``, the same frame and fan-out with
  no framework,

then, for N clients in one room (a separate process, ``bench/clients.py``),
sends K messages one after another, each once all N clients received the
previous one. Reported per configuration, median over the repeats: server CPU
time per delivery (from /proc), end-to-end latency p50/p99, and the ratios
netsite/websockets and N=1000 vs N=100 per delivery.

The room is ``/ws/chat/<slug>/`` (the real chat consumer, one database write
per message) when the chat app has a consumer, else ``/ws/bench/<room>/``
(``bench/netsite_server.py``: the same broadcast path without the database);
``--target`` chooses. Results: ``bench/results/fanout-<time>.json`` and
``.png`` (also ``latest.json``/``latest.png``). Progress goes to stderr.

    .venv/bin/python bench/fanout.py            # ~5 minutes on 2 cores
    .venv/bin/python bench/fanout.py --quick    # ~1 minute, one repeat
"""

import argparse
import datetime
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
CONFIGS = ("netsite", "netsite-stock", "websockets")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, logfile, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited:\n{Path(logfile).read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not listen on {port} within {timeout:.0f} s")


class Servers:
    """The servers under test, started once and stopped on exit."""

    def __init__(self, workdir, target):
        self.workdir = Path(workdir)
        self.target = target
        self.processes = {}
        self.urls = {}
        self.env = {
            **os.environ,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": f"sqlite:///{self.workdir / 'bench.sqlite3'}",
            "DJANGO_LOG_LEVEL": "WARNING",
            "NETSITE_CHAT_RATE": "1000000/1",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("REDIS_URL", None)

    def prepare(self):
        manage = [PYTHON, str(ROOT / "manage.py")]
        subprocess.run(
            [*manage, "migrate", "--noinput", "-v", "0"], env=self.env, check=True
        )
        if self.target == "chat":
            code = (
                "from chat.services import create_room;"
                "print(create_room(title='bench').slug)"
            )
            done = subprocess.run(
                [*manage, "shell", "-v", "0", "-c", code],
                env=self.env,
                check=True,
                capture_output=True,
                text=True,
            )
            self.path = f"/ws/chat/{done.stdout.strip()}/"
        else:
            self.path = "/ws/bench/room/"

    def start(self, name):
        logfile = self.workdir / f"{name}.log"
        port = free_port()
        if name == "websockets":
            command = [PYTHON, str(BENCH / "peer_websockets.py"), "--port", str(port)]
            env = os.environ
        else:
            entry = (
                [str(ROOT / "manage.py")]
                if self.target == "chat"
                else [str(BENCH / "netsite_server.py")]
            )
            command = [PYTHON, *entry, "serve", "--port", str(port)]
            if self.target != "chat":
                command.remove("serve")
            layer = "stock" if name == "netsite-stock" else "fanout"
            env = {
                **self.env,
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "BENCH_CHANNEL_LAYER": layer,
            }
        with open(logfile, "wb") as out:
            process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes[name] = process
        wait_for_port(port, process, logfile)
        self.urls[name] = f"ws://127.0.0.1:{port}{self.path}"
        log(f"{name}: pid {process.pid}, {self.urls[name]}")

    def stop(self):
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_clients(url, clients, messages, pid):
    done = subprocess.run(
        [PYTHON, str(BENCH / "clients.py"), url, str(clients), str(messages), str(pid)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise SystemExit(f"clients failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(runs, key):
    values = [run[key] for run in runs if run[key] is not None]
    return statistics.median(values) if values else None


def summarise(runs, sizes, configs):
    summary = {}
    for config in configs:
        for size in sizes:
            mine = [r for r in runs if r["config"] == config and r["clients"] == size]
            summary[f"{config}@{size}"] = {
                "config": config,
                "clients": size,
                "repeats": len(mine),
                "cpu_us_per_delivery": median_of(mine, "cpu_us_per_delivery"),
                "latency_ms_p50": median_of(mine, "latency_ms_p50"),
                "latency_ms_p99": median_of(mine, "latency_ms_p99"),
                "missing": sum(r["missing"] for r in mine),
                "duplicates": sum(r["duplicates"] for r in mine),
                "out_of_order": sum(r["out_of_order"] for r in mine),
                "unexpected_closes": sum(len(r["unexpected_closes"]) for r in mine),
            }
    ratios = {}
    small, large = min(sizes), max(sizes)
    for config in configs:
        a = summary[f"{config}@{small}"]["cpu_us_per_delivery"]
        b = summary[f"{config}@{large}"]["cpu_us_per_delivery"]
        if small != large and a and b:
            ratios[f"{config}: per delivery {large} vs {small}"] = b / a
        for size in sizes:
            if config != "websockets" and "websockets" in configs:
                mine = summary[f"{config}@{size}"]["cpu_us_per_delivery"]
                peer = summary[f"websockets@{size}"]["cpu_us_per_delivery"]
                if mine and peer:
                    ratios[f"{config} / websockets at {size}"] = mine / peer
    return summary, ratios


def table(summary):
    lines = [
        "| server | clients | CPU µs/delivery | p50 ms | p99 ms "
        "| missing | dup | closes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary.values():
        lines.append(
            "| {config} | {clients} | {cpu} | {p50} | {p99} | {missing} | "
            "{duplicates} | {unexpected_closes} |".format(
                **row,
                cpu=f"{row['cpu_us_per_delivery']:.1f}",
                p50=f"{row['latency_ms_p50']:.1f}",
                p99=f"{row['latency_ms_p99']:.1f}",
            )
        )
    return "\n".join(lines)


def chart(summary, sizes, configs, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (cost, latency) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=80)
    width = 0.8 / len(configs)
    for i, config in enumerate(configs):
        xs = [j + i * width for j in range(len(sizes))]
        rows = [summary[f"{config}@{size}"] for size in sizes]
        cost.bar(xs, [r["cpu_us_per_delivery"] for r in rows], width, label=config)
        latency.bar(xs, [r["latency_ms_p50"] for r in rows], width, label=config)
        latency.scatter(
            xs, [r["latency_ms_p99"] for r in rows], marker="_", s=200, color="black"
        )
    for axis, label in (
        (cost, "server CPU µs per delivery"),
        (latency, "latency ms (bar p50, dash p99)"),
    ):
        axis.set_xticks([j + width * (len(configs) - 1) / 2 for j in range(len(sizes))])
        axis.set_xticklabels([f"{size} clients" for size in sizes])
        axis.set_ylabel(label)
    cost.legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true", help="one short repeat")
    parser.add_argument("--repeats", type=int, help="runs per configuration (5)")
    parser.add_argument("--clients", type=int, nargs="+", help="room sizes (100 1000)")
    parser.add_argument(
        "--deliveries",
        type=int,
        help="deliveries per run, K = this / N (10000; --quick 5000)",
    )
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=CONFIGS)
    parser.add_argument(
        "--target",
        choices=("auto", "chat", "bench"),
        default="auto",
        help="room consumer: chat (real, with DB), bench (no DB), auto",
    )
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 5)
    sizes = args.clients or [100, 1000]
    deliveries = args.deliveries or (5000 if args.quick else 10000)
    target = args.target
    if target == "auto":
        target = "chat" if (ROOT / "chat" / "consumers.py").exists() else "bench"
    configs = list(args.configs)

    started = time.monotonic()
    runs = []
    with tempfile.TemporaryDirectory(prefix="netsite-bench-") as workdir:
        servers = Servers(workdir, target)
        try:
            log(f"target {target}; preparing a temporary SQLite database")
            servers.prepare()
            for name in configs:
                servers.start(name)
            for repeat in range(1, repeats + 1):
                for size in sizes:
                    messages = max(10, deliveries // size)
                    for name in configs:
                        log(
                            f"repeat {repeat}/{repeats}: {name}, {size} clients, "
                            f"{messages} messages"
                        )
                        result = run_clients(
                            servers.urls[name],
                            size,
                            messages,
                            servers.processes[name].pid,
                        )
                        result.update(config=name, repeat=repeat)
                        runs.append(result)
                        log(
                            f"  {result['cpu_us_per_delivery']:.1f} µs/delivery, "
                            f"p50 {result['latency_ms_p50']:.1f} ms, "
                            f"p99 {result['latency_ms_p99']:.1f} ms, "
                            f"missing {result['missing']}"
                        )
        finally:
            servers.stop()

    summary, ratios = summarise(runs, sizes, configs)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    meta = {
        "when": stamp,
        "target": target,
        "repeats": repeats,
        "deliveries_per_run": deliveries,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "summary": summary, "ratios": ratios, "runs": runs}
    for name in (f"fanout-{stamp}.json", "latest.json"):
        (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    title = (
        f"netsite fan-out ({target} route), median of {repeats}, "
        f"{os.cpu_count()} CPUs, {stamp}"
    )
    chart(summary, sizes, configs, RESULTS / f"fanout-{stamp}.png", title)
    shutil.copyfile(RESULTS / f"fanout-{stamp}.png", RESULTS / "latest.png")

    print(table(summary))
    print()
    for name, value in ratios.items():
        print(f"- {name}: {value:.2f}x")
    log(f"done in {meta['seconds']} s; results in {RESULTS}/fanout-{stamp}.json")


if __name__ == "__main__":
    main()
