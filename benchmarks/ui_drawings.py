"""What the web UI's pictures cost to draw on the server: time and size of each SVG.

Run by hand, never from the tests: `python benchmarks/ui_drawings.py [--repeat 30]
[--cases run_bars_50,gantt_500_rows,...]`. Each case builds its input once (seeded, so every run
draws the same pictures), draws it `--repeat` times after one untimed warm-up, and prints one
JSON line: the median and 95th percentile wall time in ms, the size of the SVG in bytes, the
Python version and the machine's 1-minute load just before the case (others' work on a shared
machine slows every figure here). Targets: a 500-task schematic with 1,000 edges well under a
second and ~150 KB at most.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from markupsafe import Markup  # noqa: E402

from caudal.server.ui.svg import Node, RunBar, Span, dag, gantt, run_bars  # noqa: E402

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STATES = ("Success", "Success", "Success", "Failed", "Running", "Cached", "Skipped")


def link(rng: random.Random, kind: str) -> str:
    return f"../{kind}/{uuid.UUID(int=rng.getrandbits(128))}"


def bars_50() -> Callable[[], Markup]:
    rng = random.Random(1)
    bars = [RunBar(rng.choice(STATES), rng.uniform(1, 600), link(rng, "flow-runs"),
                   f"daily-report-{i} · Success · 12.3 s") for i in range(50)]
    return lambda: run_bars(bars)


def timeline(rows: int) -> Callable[[], Markup]:
    """Task runs of a long run, one in ten a mapped parent, the last few still running."""
    rng = random.Random(rows)
    spans = []
    for i in range(rows):
        start = NOW + timedelta(seconds=i * 3 + rng.uniform(0, 2))
        running = i >= rows - 5
        end = None if running else start + timedelta(seconds=rng.uniform(0.1, 90))
        mapped = i % 10 == 0
        spans.append(Span(f"task-{i}", f"transform_orders_{i}",
                          "Running" if running else rng.choice(STATES), start, end,
                          href=link(rng, "task-runs"), children=100 if mapped else 0,
                          child_states={"Success": 80, "Failed": 5, "Running": 15}
                          if mapped else {}))
    now = NOW + timedelta(seconds=rows * 3 + 60)
    return lambda: gantt(spans, now=now, expand_href=lambda s: f"?expand={s.key}")


def layered_flow(tasks: int, edges: int, width: int, seed: int,
                 mapped_every: int = 0) -> Callable[[], Markup]:
    """An ETL-like flow: layers of `width` tasks, each fed from up to 3 layers back."""
    rng = random.Random(seed)
    nodes = [Node(f"task-{i}", f"transform_orders_{i}", rng.choice(STATES + (None,)),
                  mapped=bool(mapped_every) and i % mapped_every == 0,
                  href=link(rng, "task-runs")) for i in range(tasks)]
    pairs: list[tuple[str, str, str | None]] = []
    while len(pairs) < edges:
        j = rng.randrange(width, tasks)
        back = max(j // width - rng.choice((1, 1, 1, 2, 3)), 0)
        pairs.append((f"task-{back * width + rng.randrange(width)}", f"task-{j}",
                      rng.choice(("data", "config", None))))
    return lambda: dag(nodes, pairs)


def map_heavy() -> Callable[[], Markup]:
    """20 tasks, 5 of them mapped: extract -> 5 mapped transforms -> loads, with parameters."""
    nodes = [Node("start_date", "start_date", "Success"), Node("extract", "extract", "Success")]
    edges: list[tuple[str, str, str | None]] = [("start_date", "extract", "since")]
    for m in range(5):
        nodes += [Node(f"clean_{m}", f"clean_{m}", "Mapped", mapped=True),
                  Node(f"enrich_{m}", f"enrich_{m}", "Mapped", mapped=True),
                  Node(f"load_{m}", f"load_{m}", "Running")]
        edges += [("extract", f"clean_{m}", "rows"), (f"clean_{m}", f"enrich_{m}", "row"),
                  (f"enrich_{m}", f"load_{m}", "rows")]
    nodes += [Node("report", "report", None), Node("notify", "notify", None),
              Node("archive", "archive", None)]
    edges += [(f"load_{m}", "report", None) for m in range(5)]
    edges += [("report", "notify", "summary"), ("extract", "archive", "raw")]
    return lambda: dag(nodes, edges)


CASES: dict[str, Callable[[], Callable[[], Markup]]] = {
    "run_bars_50": bars_50,
    "gantt_500_rows": lambda: timeline(500),
    "gantt_1000_rows": lambda: timeline(1000),
    "dag_100_nodes": lambda: layered_flow(100, 180, 8, 100),
    "dag_500_nodes_1000_edges": lambda: layered_flow(500, 1000, 20, 500, mapped_every=40),
    "dag_map_heavy_20_tasks": map_heavy,
}


def measure(name: str, repeat: int) -> dict[str, object]:
    draw = CASES[name]()
    load = round(os.getloadavg()[0], 2)
    size = len(str(draw()).encode())  # the warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        draw()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"case": name, "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
            "bytes": size, "repeat": repeat, "python": platform.python_version(),
            "load_1m_before": load}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated, from {', '.join(CASES)}")
    args = parser.parse_args(argv)
    cases = [case for case in args.cases.split(",") if case]
    unknown = [case for case in cases if case not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}; cases are {', '.join(CASES)}")
    for case in cases:
        print(json.dumps(measure(case, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
