"""What the web UI costs: page times and weights, big runs' pages, live log latency in a real
browser, and the server's memory with 20 live pages open.

Run by hand, never from the tests: `python benchmarks/ui.py [--scale 1.0]
[--database sqlite|postgresql|both] [--cases page_times,big_flow,live_log_latency,rss_20_pages,rss_20_tabs]`
(all by default; --database defaults to sqlite).
Every case starts the server as a real process (benchmarks/server.py's ``ServerProcess``, no
``--auth``, on 127.0.0.1: no login needed) on a database of its own (``Target.fresh()``: a
temporary SQLite file, or a PostgreSQL schema at 127.0.0.1:5432/test dropped after the case).
Each measurement prints one JSON line with its figures, the issue's target and whether it was
met ("ok").

- page_times: the database seeded by benchmarks/server_seed.py at ``--scale`` (at 1: 50 flows,
  100,000 flow runs, 1,000,000 task runs, ~1,000,000 log lines), then each page fetched
  PAGE_REPEATS times after PAGE_WARM_UPS warm-ups: the HTTP round trip on loopback (the server
  sends no Server-Timing) p50/p95/max, and the page's bytes (body, bytes on the wire, and what
  gzip would make of the body: the server does not compress); the three static files once,
  apart. Targets: p95 under 100 ms, a page under 200 KB.
- big_flow: a registered 500-task ETL flow (chains and fan-ins) and a flow with one task mapped
  over 10,000 inputs, one run each with its task-run states written through
  POST /api/task-runs/states (no agent); the run page, its /live refresh and the children's
  timeline (/gantt, first 500). Target: under a second.
- live_log_latency: headless Chromium (Playwright) on a Running run's page; 100 times one line
  POSTed to /api/logs, and the time from the POST's answer to the line showing in the page's
  log ([data-log-lines], polled every animation frame; times from the browser's clock, the
  same system clock). Target: p95 under 1 s.
- rss_20_pages: 20 Running runs, 20 pages open on them in one browser (one context each, as 20
  viewers: one context would share Chromium's 6 connections per host among 20 event streams),
  each run written ~2 lines/s for 30 s (``--scale`` shortens it, 10 s at least): the server's
  RSS (its process tree) before the pages, with them open, and the max. Target: under 120 MB.
- rss_20_tabs: the same with the 20 pages as tabs of one browser context, as one person with 20
  tabs: Chromium allows 6 HTTP/1.1 connections per host per profile, so
  "pages_streaming_every_line" and "streamed_by_page" (lines each tab's event stream
  delivered, counted by a wrapper around EventSource) say whether every tab still got its lines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # server, server_seed

from server import (  # noqa: E402
    ServerProcess,
    Target,
    checked,
    cli_help,
    make_flow,
    ms,
    percentile,
    tree_rss_mb,
)

DATABASES = ("sqlite", "postgresql")
CASES = ("page_times", "big_flow", "live_log_latency", "rss_20_pages", "rss_20_tabs")
PAGE_REPEATS = 30
PAGE_WARM_UPS = 2
PAGE_P95_MS = 100.0
PAGE_BYTES = 200 * 1024
BIG_P95_MS = 1000.0
BIG_TASKS = 500
MAPPED_CHILDREN = 10_000
PROBES = 100
LIVE_P95_MS = 1000.0
PAGES = 20
LINES_PER_S = 2.0
WINDOW_S = 30.0
RSS_MB = 120.0
STATIC = ("ui.css", "drawings.css", "ui.js")
CHROMIUM = os.environ.get("CAUDAL_BENCH_CHROMIUM", "/usr/bin/chromium")

Line = dict[str, Any]


# --- helpers ------------------------------------------------------------------------------------


def get_page(http: httpx.Client, path: str) -> httpx.Response:
    response = http.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:500]}")
    return response


def timed_pages(http: httpx.Client, path: str, repeats: int = PAGE_REPEATS,
                target_ms: float = PAGE_P95_MS, max_bytes: int | None = PAGE_BYTES) -> Line:
    """GET ``path`` ``repeats`` times after the warm-ups: round-trip times and the page's size."""
    for _ in range(PAGE_WARM_UPS):
        get_page(http, path)
    each = []
    response = None
    for _ in range(repeats):
        began = time.perf_counter()
        response = get_page(http, path)
        each.append(time.perf_counter() - began)
    assert response is not None
    p95 = percentile(each, 0.95)
    line: Line = {"path": path, "requests": len(each), "p50_ms": ms(statistics.median(each)),
                  "p95_ms": ms(p95), "max_ms": ms(max(each)),
                  "bytes": len(response.content), "wire_bytes": response.num_bytes_downloaded,
                  "gzip_bytes": len(gzip.compress(response.content, 6)),
                  "content_encoding": response.headers.get("content-encoding"),
                  "server_timing": response.headers.get("server-timing"),
                  "target_p95_ms": target_ms}
    ok = p95 * 1000 < target_ms
    if max_bytes is not None:
        line["target_bytes"] = max_bytes
        ok = ok and len(response.content) < max_bytes
    line["ok"] = ok
    return line


def set_running(http: httpx.Client, run_id: str) -> None:
    for state in ("Submitted", "Running"):
        checked(http.post(f"/api/flow-runs/{run_id}/state", json={"state": state}), 200)


def new_run(http: httpx.Client, flow_id: str) -> str:
    return checked(http.post("/api/flow-runs", json={"flow_id": flow_id}), 201)["id"]


def register(http: httpx.Client, project: str, flow: Any) -> str:
    checked(http.post("/api/projects", json={"name": project}), 201, 409)
    result = checked(http.post("/api/flows/register", json={
        "project": project, "name": flow.name, "hash": flow.serialized_hash(),
        "serialized": flow.serialize()}), 201, 200)
    return result["flow_id"]


def now_iso(offset_s: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])


COUNT_STREAMED = """
window.__streamed = 0;
window.__refreshed = 0;
const NativeEventSource = window.EventSource;
window.EventSource = class extends NativeEventSource {
  constructor(...args) {
    super(...args);
    this.addEventListener("logs", (e) => { window.__streamed += JSON.parse(e.data).length; });
  }
};
const nativeFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await nativeFetch(...args);
  if (String(args[0]).endsWith("/live")) window.__refreshed += 1;
  return response;
};
"""
"""Counts, in each page, the log lines its event stream delivered and its /live refreshes."""


def page_counts(page: Any) -> tuple[int, int, int]:
    """Bench lines a page's log shows, lines its stream delivered, its finished refreshes;
    -1 each when it has not loaded (a navigation still waiting for a connection)."""
    try:
        return tuple(page.evaluate(
            "(() => { const el = document.querySelector('[data-log-lines]');"
            " return el ? [el.textContent.split('page ').length - 1, window.__streamed,"
            " window.__refreshed] : [-1, -1, -1]; })()"))
    except Exception:  # noqa: BLE001 - a navigation still waiting for a connection
        return (-1, -1, -1)


def server_errors(server: ServerProcess) -> dict[str, Any] | None:
    """The tracebacks the server logged: how many, their distinct last lines, and the end of
    the first one (where it was raised)."""
    text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    if "Traceback" not in text:
        return None
    blocks = text.split("Traceback (most recent call last):")[1:]
    ends = []
    for block in blocks:
        last = [line for line in block.splitlines() if line and not line[0].isspace()]
        ends.append(last[0][:300] if last else "?")
    first = blocks[0]
    cut = first.find("\n", first.find(ends[0][:50]) + 1) if ends[0] in first else len(first)
    return {"count": len(blocks), "errors": sorted(set(ends))[:5],
            "first_tail": first[max(0, cut - 2000):cut]}


# --- the cases ----------------------------------------------------------------------------------


def page_times_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    from server_seed import seed

    with target.fresh() as url:
        seeded = seed(url, scale)
        yield {"variant": "seed", "counts": seeded.counts,
               "seconds": {k: round(v, 2) for k, v in seeded.seconds.items()},
               "target": "none (setup)"}
        with ServerProcess(url, work) as server, \
                httpx.Client(base_url=server.url, timeout=60) as http:
            flow_id = seeded.flow_ids[len(seeded.flow_ids) // 2]
            heavy = seeded.heavy_run_ids[len(seeded.heavy_run_ids) // 2]
            pages = [("dashboard", "/"), ("flows", "/flows"), ("flow", f"/flows/{flow_id}"),
                     ("flow_runs", "/flow-runs"), ("flow_runs_failed", "/flow-runs?state=Failed"),
                     ("flow_run_heavy", f"/flow-runs/{heavy}"),
                     ("flow_run_heavy_live", f"/flow-runs/{heavy}/live"), ("agents", "/agents")]
            for variant, path in pages:
                yield {"variant": variant, "via": server.via, **timed_pages(http, path),
                       "target": "p95 under 100 ms; page weight under 200 KB",
                       "flow_runs_in_db": seeded.counts["flow_runs"]}
            sizes, wire = {}, {}
            for name in STATIC:
                response = get_page(http, f"/static/{name}")
                sizes[name], wire[name] = len(response.content), response.num_bytes_downloaded
            total = sum(sizes.values())
            yield {"variant": "static_files", "bytes": sizes, "wire_bytes": wire,
                   "total_bytes": total, "cache_control": response.headers.get("cache-control"),
                   "target": "page weight under 200 KB", "target_bytes": PAGE_BYTES,
                   "ok": total < PAGE_BYTES}
            yield {"variant": "rss_after_pages", "rss_mb": server.rss_mb(), "target": "none",
                   "server_traceback": server_errors(server)}


def etl_flow(n_tasks: int) -> Any:
    """A realistic ETL shape of exactly ``n_tasks`` tasks: 60 source chains of 5 (extract,
    parse, clean, validate, transform), fan-ins of 6 into 10 joins, each join aggregated,
    checked and loaded, dimension chains of 4 from the joins, a report over every load and
    dimension, then archive and notify; filler chains make up the count."""
    from caudal import Flow, task

    @task
    def extract(source: int) -> list[int]:
        return [source]

    @task
    def parse(raw: list[int]) -> list[int]:
        return raw

    @task
    def clean(rows: list[int]) -> list[int]:
        return rows

    @task
    def validate(rows: list[int]) -> list[int]:
        return rows

    @task
    def transform(rows: list[int]) -> list[int]:
        return rows

    @task
    def join(**parts: list[int]) -> list[int]:
        return [x for part in parts.values() for x in part]

    @task
    def aggregate(rows: list[int]) -> int:
        return sum(rows)

    @task
    def quality_check(total: int) -> int:
        return total

    @task
    def load(total: int) -> int:
        return total

    @task
    def lookup(rows: list[int]) -> list[int]:
        return rows

    @task
    def dedupe(rows: list[int]) -> list[int]:
        return rows

    @task
    def conform(rows: list[int]) -> list[int]:
        return rows

    @task
    def publish(rows: list[int]) -> int:
        return len(rows)

    @task
    def report(**totals: int) -> int:
        return sum(totals.values())

    @task
    def archive(total: int) -> int:
        return total

    @task
    def notify(total: int) -> None:
        return None

    with Flow(f"etl-{n_tasks}") as flow:
        transformed = [transform(validate(clean(parse(extract(i))))) for i in range(60)]
        joins = [join(**{f"part_{i}": t for i, t in enumerate(transformed[k * 6:(k + 1) * 6])})
                 for k in range(10)]
        loads = [load(quality_check(aggregate(j))) for j in joins]
        ends = list(loads)
        remaining = n_tasks - len(flow.tasks) - 3  # report, archive, notify
        k = 0
        while remaining >= 4:
            ends.append(publish(conform(dedupe(lookup(joins[k % len(joins)])))))
            remaining -= 4
            k += 1
        for _ in range(remaining):
            ends.append(publish(joins[k % len(joins)]))
            k += 1
        notify(archive(report(**{f"total_{i}": t for i, t in enumerate(ends)})))
    assert len(flow.tasks) == n_tasks, len(flow.tasks)
    return flow


def mapped_flow() -> tuple[Any, str, list[str]]:
    """list_items -> process.map -> summarize: the flow, the mapped task's slug, the others'."""
    from caudal import Flow, task

    @task
    def list_items() -> list[int]:
        return list(range(MAPPED_CHILDREN))

    @task
    def process(item: int) -> int:
        return item

    @task
    def summarize(results: list[int]) -> int:
        return sum(results)

    with Flow("mapped-10k") as flow:
        items = list_items()
        processed = process.map(items)
        summarize(processed)
    slug = flow.slugs[processed]
    return flow, slug, [s for s in flow.slugs.values() if s != slug]


def task_states(run_id: str, slug: str, start: datetime, seconds: float, state: str = "Success",
                map_index: int = -1, name: str | None = None) -> list[dict[str, Any]]:
    """A task run's Running, then (unless still running) its end, at past timestamps."""
    base = {"flow_run_id": run_id, "task_slug": slug, "map_index": map_index,
            "task_name": name or slug.rsplit("-", 1)[0]}
    out = [{**base, "state": "Running", "timestamp": start.isoformat()}]
    if state != "Running":
        out.append({**base, "state": state, "message": f"Task run ended: {state}.",
                    "timestamp": (start + timedelta(seconds=seconds)).isoformat()})
    return out


def post_states(http: httpx.Client, states: list[dict[str, Any]], batch: int = 20_000) -> float:
    began = time.perf_counter()
    for i in range(0, len(states), batch):
        checked(http.post("/api/task-runs/states", json=states[i:i + batch]), 200)
    return time.perf_counter() - began


def big_flow_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    rng = random.Random(500)
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        # The 500-task ETL run: tasks start in topological-ish order over ~10 minutes, a few
        # failed, the last ones still running.
        etl = etl_flow(BIG_TASKS)
        etl_id = register(http, "bench", etl)
        etl_run = new_run(http, etl_id)
        set_running(http, etl_run)
        start = datetime.now(UTC) - timedelta(minutes=15)
        states: list[dict[str, Any]] = []
        slugs = [etl.slugs[t] for t in etl.sorted_tasks()]
        for i, slug in enumerate(slugs):
            state = "Running" if i >= len(slugs) - 5 else \
                rng.choices(["Success", "Failed", "Skipped"], [96, 2, 2])[0]
            states += task_states(etl_run, slug, start + timedelta(seconds=1.5 * i),
                                  rng.uniform(0.2, 40), state)
        etl_write_s = post_states(http, states)

        mapped, mapped_slug, others = mapped_flow()
        mapped_id = register(http, "bench", mapped)
        mapped_run = new_run(http, mapped_id)
        set_running(http, mapped_run)
        states = []
        list_slug = next(s for s in others if s.startswith("list"))
        states += task_states(mapped_run, list_slug, start, 2.0)
        states += task_states(mapped_run, mapped_slug, start + timedelta(seconds=2), 0.5,
                              "Mapped")
        for i in range(MAPPED_CHILDREN):
            state = "Running" if i >= MAPPED_CHILDREN - 20 else \
                rng.choices(["Success", "Failed"], [99, 1])[0]
            states += task_states(mapped_run, mapped_slug,
                                  start + timedelta(seconds=2 + i * 0.08),
                                  rng.uniform(0.1, 5), state, map_index=i, name="process")
        mapped_write_s = post_states(http, states)
        yield {"variant": "setup", "etl_tasks": len(etl.tasks), "etl_edges": len(etl.edges),
               "etl_states_write_s": round(etl_write_s, 2), "mapped_children": MAPPED_CHILDREN,
               "mapped_states_write_s": round(mapped_write_s, 2),
               "target": "none (setup)"}
        target_text = "under a second"
        for variant, path in (
                ("etl_500_run_page", f"/flow-runs/{etl_run}"),
                ("etl_500_live", f"/flow-runs/{etl_run}/live"),
                ("mapped_10k_run_page", f"/flow-runs/{mapped_run}"),
                ("mapped_10k_live", f"/flow-runs/{mapped_run}/live"),
                ("mapped_10k_gantt", f"/flow-runs/{mapped_run}/gantt?task={mapped_slug}")):
            yield {"variant": variant, "via": server.via,
                   **timed_pages(http, path, target_ms=BIG_P95_MS, max_bytes=None),
                   "target": target_text}
        flow_page = timed_pages(http, f"/flows/{etl_id}", target_ms=BIG_P95_MS, max_bytes=None)
        yield {"variant": "etl_500_flow_page", "via": server.via, **flow_page,
               "target": target_text}
        yield {"variant": "rss_after", "rss_mb": server.rss_mb(), "target": "none",
               "server_traceback": server_errors(server)}


def live_log_latency_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    from playwright.sync_api import sync_playwright

    rng = random.Random(100)
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http, sync_playwright() as p:
        flow_id = make_flow(http, "bench", "live-logs")
        run_id = new_run(http, flow_id)
        set_running(http, run_id)
        browser = launch(p)
        try:
            page = browser.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)[:300]))
            began = time.perf_counter()
            page.goto(f"{server.url}/flow-runs/{run_id}", wait_until="load")
            page.wait_for_selector("[data-log-lines]", state="attached")
            load_s = time.perf_counter() - began
            time.sleep(1.0)  # the EventSource connects after load
            seen_ms, after_ack, before_send, post_ms = [], [], [], []
            missed = 0
            for n in range(PROBES):
                body = [{"flow_run_id": run_id, "timestamp": now_iso(), "level": 20,
                         "message": f"probe {n}"}]
                sent = time.time()
                checked(http.post("/api/logs", json=body), 200, 201)
                ack = time.time()
                try:
                    handle = page.wait_for_function(
                        "(probe) => { const el = document.querySelector('[data-log-lines]');"
                        " return el && el.textContent.includes(probe) ? Date.now() : false; }",
                        arg=f"probe {n}", polling="raf", timeout=10_000)
                except Exception:  # noqa: BLE001 - a line that never showed is counted
                    missed += 1
                    continue
                shown = handle.json_value() / 1000
                seen_ms.append(shown)
                after_ack.append(shown - ack)
                before_send.append(shown - sent)
                post_ms.append(ack - sent)
                time.sleep(rng.uniform(0.02, 0.2))  # not in step with anything periodic
        finally:
            browser.close()
        p95 = percentile(after_ack, 0.95) if after_ack else float("nan")
        yield {"via": server.via, "probes": PROBES, "shown": len(after_ack), "missed": missed,
               "page_load_ms": ms(load_s),
               "from_ack_p50_ms": ms(statistics.median(after_ack)) if after_ack else None,
               "from_ack_p95_ms": ms(p95) if after_ack else None,
               "from_ack_max_ms": ms(max(after_ack)) if after_ack else None,
               "from_send_p95_ms": ms(percentile(before_send, 0.95)) if before_send else None,
               "post_p50_ms": ms(statistics.median(post_ms)) if post_ms else None,
               "page_errors": page_errors[:5], "target": "p95 under 1 s",
               "target_p95_ms": LIVE_P95_MS,
               "ok": bool(after_ack) and not missed and p95 * 1000 < LIVE_P95_MS,
               "server_traceback": server_errors(server)}


def rss_20_pages_case(target: Target, work: Path, scale: float,
                      shared: bool = False) -> Iterator[Line]:
    """With ``shared``, the 20 pages are tabs of one browser context (one profile), which
    Chromium gives 6 HTTP/1.1 connections per host: the 7th live page on waits for them."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    window_s = max(10.0, WINDOW_S * scale)
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http, sync_playwright() as p:
        flow_id = make_flow(http, "bench", "rss-pages")
        runs = [new_run(http, flow_id) for _ in range(PAGES)]
        for run_id in runs:
            set_running(http, run_id)
        time.sleep(2.0)
        pid = server.process.pid  # type: ignore[union-attr]
        before = tree_rss_mb(pid)
        browser = launch(p)
        try:
            pages, not_loaded = [], 0
            context = browser.new_context() if shared else None
            for run_id in runs:
                page = (context or browser.new_context()).new_page()
                page.add_init_script(COUNT_STREAMED)
                try:
                    page.goto(f"{server.url}/flow-runs/{run_id}", wait_until="load",
                              timeout=5_000)
                except PlaywrightTimeout:  # one context's connections all held by streams
                    not_loaded += 1
                pages.append(page)
            time.sleep(2.0)  # the event streams connect
            opened = tree_rss_mb(pid)
            samples = [opened]
            interval = 1 / LINES_PER_S
            written = errors = 0
            started = time.perf_counter()
            tick = 0
            while time.perf_counter() - started < window_s:
                for k, run_id in enumerate(runs):
                    body = [{"flow_run_id": run_id, "timestamp": now_iso(), "level": 20,
                             "message": f"page {k} line {tick}: " + "x" * 80}]
                    if http.post("/api/logs", json=body).status_code in (200, 201):
                        written += 1
                    else:
                        errors += 1
                samples.append(tree_rss_mb(pid))
                tick += 1
                pause = started + tick * interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            elapsed = time.perf_counter() - started
            time.sleep(2.0)
            samples.append(tree_rss_mb(pid))
            counts = [page_counts(page) for page in pages]
            shown, streamed, refreshed = ([c[i] for c in counts] for i in range(3))
        finally:
            browser.close()
        time.sleep(1.0)
        after = tree_rss_mb(pid)
        peak = max(samples)
        yield {"via": server.via, "pages": PAGES, "one_context": shared,
               "pages_not_loaded_in_5s": not_loaded, "window_s": round(elapsed, 1),
               "lines_written": written, "write_errors": errors,
               "lines_per_s": round(written / elapsed, 1), "lines_per_page": tick,
               "shown_per_page_min": min(shown), "shown_per_page_max": max(shown),
               "pages_showing_every_line": sum(n >= tick for n in shown),
               "streamed_per_page_min": min(streamed), "streamed_per_page_max": max(streamed),
               "pages_streaming_every_line": sum(n >= tick for n in streamed),
               "live_refreshes_per_page_min": min(refreshed),
               "live_refreshes_per_page_max": max(refreshed),
               **({"shown_by_page": shown, "streamed_by_page": streamed,
                   "refreshes_by_page": refreshed} if shared else {}),
               "rss_mb_before_pages": before, "rss_mb_pages_open": opened,
               "rss_mb_end_of_window": samples[-1], "rss_mb_max": peak,
               "rss_mb_after_close": after, "target": "under 120 MB",
               "target_mb": RSS_MB, "ok": peak < RSS_MB,
               "server_traceback": server_errors(server)}


CASE_FUNCTIONS: dict[str, Callable[[Target, Path, float], Iterator[Line]]] = {
    "page_times": page_times_case,
    "big_flow": big_flow_case,
    "live_log_latency": live_log_latency_case,
    "rss_20_pages": rss_20_pages_case,
    "rss_20_tabs": lambda target, work, scale: rss_20_pages_case(target, work, scale, True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=(*DATABASES, "both"), default="sqlite")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated, from: {', '.join(CASES)}")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the seeded rows (0.05 for a quick pass)")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASE_FUNCTIONS]
    if unknown:
        parser.error(f"unknown case '{unknown[0]}'; cases are: {', '.join(CASES)}")
    databases = DATABASES if args.database == "both" else (args.database,)
    ServerProcess.cli_text = cli_help("server", "start")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as folder:
        work = Path(folder)
        for database in databases:
            target = Target(database, work)
            for case in cases:
                try:
                    load = round(os.getloadavg()[0], 2)  # others' work on this machine
                    for line in CASE_FUNCTIONS[case](target, work, args.scale):
                        print(json.dumps({"case": case, "database": database, "scale": args.scale,
                                          **line, "load_1m_before": load,
                                          "cpus": os.cpu_count()}), flush=True)
                except Exception as exc:  # report it and go on with the other cases
                    failures += 1
                    print(json.dumps({"case": case, "database": database,
                                      "error": f"{type(exc).__name__}: {exc}"[:3000]}),
                          flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
