"""
BENCHMARKS.md and its chart, from the medians of one run.

Each target of the speed work is a ratio measured within the run (netsite
against a peer, or netsite against itself), so the machine's speed cancels
out; the tables below the targets give the figures the ratios come from.
"""

import json
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.processes import ROOT

CHART = ROOT / "docs" / "benchmarks.png"
OWN_CODE = ("board/", "chat/", "content/", "api/", "netsite/")
COMMANDS = "netsite/management/"  # ``serve`` is under every sample: no news
THROUGHPUT_NOISE = 0.9  # P3: "no lower than the baseline", less this machine's noise

LABELS = {
    "netsite": "netsite (embedded tier)",
    "asgi": "raw ASGI app on daphne",
    "websockets": "bare websockets",
    "channels": "Channels tutorial (stock layer)",
    "netsite-stock": "netsite on Channels' stock layer",
    "netsite-redis": "netsite + Redis, 1 process",
    "netsite-redis-x2": "netsite + Redis, 2 processes",
    "django": "Django floor on daphne",
    "flask": "Flask + Jinja2 + sqlite3, gunicorn sync",
}
REVALIDATE = "board: a repeat visit revalidates (conditional GET → 304)"
WORKLOADS = {
    "page": "GET /board/, page 1",
    "deep": "GET /board/?before=…, 20,000 posts deep",
    "api": "GET /api/posts/?limit=50",
    "form": "board form POST, 16 writers",
    "api-write": "API POST, 16 writers",
}


def summarise(results):
    """Return ``{(workload, config): {figure: median over rounds}}``."""
    groups = {}
    for row in results:
        groups.setdefault((row["workload"], row["config"]), []).append(row)
    summary = {}
    for key, rows in groups.items():
        figures = {}
        for name, value in rows[0].items():
            if isinstance(value, int | float) and name != "round":
                values = [r[name] for r in rows if r.get(name) is not None]
                if name in ("lost", "duplicated", "reordered", "unexpected"):
                    figures[name] = sum(values)
                elif values:
                    figures[name] = statistics.median(values)
        figures["rounds"] = len(rows)
        summary[key] = figures
    return summary


@dataclass
class Target:
    name: str
    what: str
    measured: float | None
    target: str
    met: bool | None
    shown: str = ""

    def cells(self):
        if self.measured is None and self.shown:
            return [self.name, self.what, self.shown, self.target, "–"]
        if self.measured is None:
            return [self.name, self.what, "not measured", self.target, "–"]
        shown = self.shown or f"{self.measured:.2f}×"
        return [
            self.name,
            self.what,
            shown,
            self.target,
            "met" if self.met else "**not met**",
        ]


def figure(summary, workload, config, name):
    return summary.get((workload, config), {}).get(name)


def ratio(a, b):
    return a / b if a is not None and b else None


def at_most(name, what, measured, limit):
    met = None if measured is None else measured <= limit
    return Target(name, what, measured, f"≤ {limit}×", met)


def at_least(name, what, measured, limit):
    met = None if measured is None else measured >= limit
    return Target(name, what, measured, f"≥ {limit}×", met)


def zero(name, what, count):
    met = None if count is None else count == 0
    return Target(name, what, count, "0", met, shown=f"{count}")


def targets(run, summary):
    def cpu(workload, config):
        key = (
            "cpu_us_per_delivery"
            if workload.startswith("chat")
            else "cpu_ms_per_request"
        )
        return figure(summary, workload, config, key)

    rows = [
        at_most(
            "P1",
            f"chat N = {n:,}: netsite / raw ASGI, CPU per delivery",
            ratio(cpu(f"chat-{n}", "netsite"), cpu(f"chat-{n}", "asgi")),
            2,
        )
        for n in (100, 1_000)
    ]
    rows.append(
        at_most(
            "P1",
            "chat: netsite N = 1,000 / N = 100, CPU per delivery",
            ratio(cpu("chat-1000", "netsite"), cpu("chat-100", "netsite")),
            1.3,
        )
    )
    chat = [row for (w, c), row in summary.items() if w.startswith("chat")]
    netsite = [
        row
        for (w, c), row in summary.items()
        if w.startswith("chat") and "netsite" in c
    ]
    rows.append(
        zero(
            "P1",
            "chat: deliveries lost, duplicated or reordered (all netsite runs)",
            sum(r[k] for r in netsite for k in ("lost", "duplicated", "reordered"))
            if chat
            else None,
        )
    )
    rows += [
        at_most(
            "P1",
            f"Redis, N = {n:,}: one process with Redis / embedded, CPU per delivery",
            ratio(cpu(f"chat-{n}", "netsite-redis"), cpu(f"chat-{n}", "netsite")),
            1.5,
        )
        for n in (100, 1_000)
    ]
    rows.append(
        at_least(
            "P1",
            "Redis, N = 1,000: two processes / one, deliveries/s, a core each (¹)",
            ratio(
                figure(summary, "chat-1000", "netsite-redis-x2", "capacity_per_s"),
                figure(summary, "chat-1000", "netsite-redis", "capacity_per_s"),
            ),
            1.3,
        )
    )
    rows.append(
        at_most(
            "P2",
            "board page 1: netsite / Django floor, CPU per request",
            ratio(cpu("page", "netsite"), cpu("page", "django")),
            2,
        )
    )
    rows.append(
        at_most(
            "P2",
            "board: 20,000 deep / page 1, CPU per request",
            ratio(cpu("deep", "netsite"), cpu("page", "netsite")),
            1.2,
        )
    )
    revalidation = run.get("revalidation")
    if revalidation is None:
        rows.append(Target("P2", REVALIDATE, None, "304", None))
    else:
        status = revalidation["status"] or 200
        validators = (
            ", ".join(revalidation["validators"]) or "no ETag, no Last-Modified"
        )
        shown = f"{status} ({validators})"
        rows.append(Target("P2", REVALIDATE, status, "304", status == 304, shown))
    locked = run.get("locked") or {}
    for workload in ("form", "api-write"):
        row = summary.get((workload, "netsite"))
        errors = None
        if row is not None:
            errors = row["unexpected"] + locked.get("netsite", 0)
        rows.append(
            zero(
                "P3",
                f"{WORKLOADS[workload]}: 5xx, 'database is locked' and other errors",
                errors,
            )
        )
    baseline = run.get("baseline") or {}
    for workload in ("form", "api-write"):
        measured = ratio(
            figure(summary, workload, "netsite", "requests_per_s"),
            baseline.get(workload),
        )
        row = at_least(
            "P3", f"{WORKLOADS[workload]}: requests/s / baseline (²)", measured, 1
        )
        row.met = None if measured is None else measured >= THROUGHPUT_NOISE
        if run.get("baseline_saved"):
            row.shown = "this run is the baseline"
        rows.append(row)
    rows.append(
        at_most(
            "P4",
            "API list of 50: netsite / Django floor, CPU per request",
            ratio(cpu("api", "netsite"), cpu("api", "django")),
            2,
        )
    )
    rows.append(
        at_most(
            "P5",
            "idle WebSocket: netsite / bare websockets, resident memory each",
            ratio(
                figure(summary, "idle", "netsite", "bytes_per_connection"),
                figure(summary, "idle", "websockets", "bytes_per_connection"),
            ),
            2,
        )
    )
    return rows


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def number(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def ordered(summary, workloads):
    """Return the keys of ``summary`` for ``workloads``, servers as in LABELS."""
    return [(w, c) for w in workloads for c in LABELS if (w, c) in summary]


def chat_table(summary):
    rows = []
    for workload, config in ordered(summary, ("chat-100", "chat-1000")):
        row = summary[(workload, config)]
        redis = row.get("redis_cpu_s")
        rows.append(
            [
                LABELS[config],
                f"{int(workload.split('-')[1]):,}",
                number(row.get("cpu_us_per_delivery")),
                number(redis / row["deliveries"] * 1e6 if redis else None),
                number(row.get("deliveries_per_s"), 0),
                number(row.get("latency_ms_p50")),
                number(row.get("latency_ms_p99")),
                f"{row['lost']} / {row['duplicated']} / {row['reordered']}",
                row["rounds"],
            ]
        )
    header = [
        "server",
        "N",
        "server CPU µs/delivery",
        "Redis CPU µs/delivery",
        "deliveries/s",
        "p50 ms",
        "p99 ms",
        "lost / dup / reordered",
        "rounds",
    ]
    return table(header, rows)


def http_table(summary):
    rows = []
    for workload, config in ordered(summary, WORKLOADS):
        row = summary[(workload, config)]
        rows.append(
            [
                WORKLOADS[workload],
                LABELS[config],
                number(row["cpu_ms_per_request"], 2),
                number(row["requests_per_s"], 0),
                row["unexpected"],
                row["rounds"],
            ]
        )
    header = ["workload", "server", "server CPU ms/request", "requests/s", "errors"]
    return table([*header, "rounds"], rows)


def memory_table(summary):
    rows = []
    for workload, config in ordered(summary, ("idle",)):
        row = summary[(workload, config)]
        before, after = row["rss_before"] / 2**20, row["rss_after"] / 2**20
        rows.append(
            [
                LABELS[config],
                f"{row['connections']:,.0f}",
                number(row["bytes_per_connection"] / 1024),
                f"{before:,.0f} → {after:,.0f}",
            ]
        )
    header = ["server", "idle WebSockets", "KiB each", "resident MiB before → after"]
    return table(header, rows)


def summarise_profile(raw):
    """Summarise py-spy's raw (collapsed) stacks: where the samples were."""
    own, total, inclusive, packages = Counter(), 0, Counter(), Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        count = int(count)
        total += count
        own[frames[-1]] += count
        packages[package(frames[-1])] += count
        for frame in set(frames):
            if frame.split("(")[-1].startswith(OWN_CODE) and COMMANDS not in frame:
                inclusive[frame] += count
    share = {"samples": total}
    for name, counter in (
        ("self", own),
        ("netsite", inclusive),
        ("packages", packages),
    ):
        share[name] = [
            [frame, round(100 * count / total, 1)]
            for frame, count in counter.most_common(10)
        ]
    return share


def package(frame):
    """Return the top package of a py-spy frame such as ``render (django/x.py)``."""
    path = frame.rpartition("(")[2].rstrip(")")
    return path.split("/")[0] if "/" in path else path


def profile_section(profiles):
    parts = []
    for title, profile in profiles.items():
        if "error" in profile:
            parts.append(f"### {title}\n\nNo profile: {profile['error']}")
            continue
        parts.append(
            f"### {title}\n\n{profile['samples']:,} samples of netsite's process "
            "(py-spy, 250 Hz, idle threads left out).\n\n"
            + table(
                ["self time: function (file)", "% of samples"],
                [[f"`{f}`", p] for f, p in profile["self"]],
            )
            + "\n\n"
            + table(
                ["netsite's own code, inclusive", "% of samples"],
                [[f"`{f}`", p] for f, p in profile["netsite"]],
            )
            + "\n\n"
            + table(
                ["self time by package", "% of samples"],
                [[f"`{f}`", p] for f, p in profile["packages"]],
            )
        )
    return "\n\n".join(parts)


def chart(rows, path):
    """Draw each measured ratio against its target, on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [row for row in rows if row.measured is not None and not row.shown]
    fig, axis = plt.subplots(figsize=(10, 0.4 * len(shown) + 1.4), dpi=90)
    for y, row in enumerate(reversed(shown)):
        limit = float(row.target.split()[1].rstrip("×"))
        colour = "#2e7d32" if row.met else "#c62828"
        axis.plot([limit, row.measured], [y, y], color=colour, linewidth=3)
        axis.plot(row.measured, y, "o", color=colour)
        axis.plot(limit, y, "|", color="black", markersize=14, markeredgewidth=2)
        axis.annotate(
            f"{row.measured:.2f}×",
            (row.measured, y),
            xytext=(6, 4),
            textcoords="offset points",
            fontsize=8,
        )
    axis.set_yticks(range(len(shown)))
    axis.set_yticklabels(
        [f"{row.name} {row.what} ({row.target})" for row in reversed(shown)], fontsize=7
    )
    axis.set_xscale("log")
    ticks = [0.5, 1, 2, 5, 10, 20, 50]
    axis.set_xticks(ticks, [f"{t:g}×" for t in ticks])
    axis.minorticks_off()
    axis.set_xlim(0.4, max([60, *(row.measured * 1.5 for row in shown)]))
    axis.grid(axis="x", color="#dddddd")
    axis.set_xlabel("ratio measured (dot) and its target (bar): green met, red not met")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(run, summary, *, markdown, chart_path):
    rows = targets(run, summary)
    chart(rows, chart_path)
    host = run["machine"]
    mode = run["mode"]
    met = sum(1 for row in rows if row.met)
    measured = sum(1 for row in rows if row.measured is not None)
    rounds = f"{mode['rounds']} round{'s' if mode['rounds'] > 1 else ''}"
    load = ", ".join(f"{x:.2f}" for x in host["load"])
    text = f"""# Benchmarks

netsite beside small peers doing the same jobs, measured in one run by
`bench/run.py`. Every target is a ratio within this run; how to read the
tables, and what each peer stands for: [bench/README.md](bench/README.md).

- **Date**: {run["date"]}, {run["seconds"]} s; netsite at `{host["commit"]}`.
- **Command**: `{run["command"]}`. {mode["name"].capitalize()} mode:
  {mode["posts"]:,} posts, {rounds} of {mode["seconds"]} s per workload and
  server (medians), {mode["idle"]:,} idle WebSockets.
- **Machine**: {host["cpu"]}, {host["cores"]} cores, {host["memory_gib"]} GiB,
  Linux {host["kernel"]}, Python {host["python"]}. Servers pinned to CPU 0, the
  load generator to CPU 1. Load average at the start: {load}.
- **Noise**: this machine is shared with other work while the benchmark runs,
  so absolute figures move from run to run; ratios within one run move less.

## Targets: {met} of {measured} measured are met

{table(["", "what", "measured", "target", ""], [row.cells() for row in rows])}

¹ This machine has two cores, one for the load generator, so two server
processes cannot each get a core of their own: the figure is projected from
each process's CPU time (deliveries / CPU seconds of the busiest process), not
timed. Redis's own CPU is not counted (see its column below).

² Against `bench/baseline.json` (`--save-baseline` writes it); met within
{100 - THROUGHPUT_NOISE * 100:.0f}% for this machine's noise.

![Targets: measured ratios](docs/benchmarks.png)

## Chat fan-out (P1)

One sender, N receivers in one room, each message sent once all N have the
previous one. netsite rooms are the real `/ws/chat/<slug>/`: every message is
stored, acknowledged to its sender after commit, then fanned out.

{chat_table(summary)}

## Pages, API and writes (P2–P4)

{http_table(summary)}

## Memory per idle WebSocket (P5)

{memory_table(summary) if any(w == "idle" for w, _ in summary) else "Not measured."}

## Profiles

Taken after the measured rounds, so that sampling does not slow them down.
py-spy samples by the wall clock: on a busy machine, a thread that was
descheduled while it held the GIL counts too. Read the large shares; with a
few hundred samples, the order of the small ones is chance.

{profile_section(run["profiles"]) if run["profiles"] else "Not taken."}
"""
    markdown.write_text(text)


if __name__ == "__main__":
    # Rewrite the report from a run's raw figures: python -m bench.report FILE
    raw = json.loads(Path(sys.argv[1]).read_text())
    write(
        raw["run"],
        summarise(raw["results"]),
        markdown=ROOT / "BENCHMARKS.md",
        chart_path=CHART,
    )
