"""How fast a run's log lines reach the live log stream (GET /api/flow-runs/{id}/logs/stream).

Run by hand, never from the tests: `python benchmarks/log_stream.py [--streams 1,20]
[--lines 200] [--interval-ms 20]`. Each case starts `caudal server start` as a real process
on a fresh SQLite file, opens N streams on one run, then writes one line at a time through
POST /api/logs, and prints one JSON line: the latency from each POST's acknowledgment (and
from its sending) to the line's arrival on each stream, p50/p95/max over every (line, stream),
and the server's RSS (VmRSS of its process) before the streams and with them open. A line can
arrive before the POST's answer does (the stream is woken at commit), so a latency from
acknowledgment may be negative. Target: p95 within 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # server.py's helpers
from server import ServerProcess, checked, percentile, tree_rss_mb  # noqa: E402

TARGET_P95_MS = 1000.0


class Follower(threading.Thread):
    """One stream, read in a thread: when each message arrived (perf_counter)."""

    def __init__(self, url: str, run_id: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.run_id = run_id
        self.arrived: dict[str, float] = {}
        self.opened = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.url, timeout=120) as http, http.stream(
                    "GET", f"/api/flow-runs/{self.run_id}/logs/stream",
                    params={"max_s": 600}) as response:
                for line in response.iter_lines():
                    if line.startswith("event: state"):
                        self.opened.set()
                    elif line.startswith("data: ["):
                        now = time.perf_counter()
                        for record in json.loads(line.removeprefix("data: ")):
                            self.arrived.setdefault(record["message"], now)
        except BaseException as exc:
            self.error = exc
        finally:
            self.opened.set()


def case(n_streams: int, lines: int, interval_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work, \
            ServerProcess(f"sqlite:///{Path(work) / 'caudal.db'}", Path(work)) as server, \
            httpx.Client(base_url=server.url, timeout=30) as api:
        assert server.process is not None
        checked(api.post("/api/projects", json={"name": "bench"}), 201)
        flow = checked(api.post("/api/flows/register", json={
            "project": "bench", "name": "logs", "hash": "h1", "serialized": {"parameters": []}}),
            201)
        run_id = checked(api.post("/api/flow-runs", json={"flow_id": flow["flow_id"]}),
                         201)["id"]
        time.sleep(1.0)
        rss_before = tree_rss_mb(server.process.pid)
        followers = [Follower(server.url, run_id) for _ in range(n_streams)]
        for follower in followers:
            follower.start()
        for follower in followers:
            follower.opened.wait(30)
        sent: dict[str, float] = {}
        acked: dict[str, float] = {}
        for i in range(lines):
            message = f"line {i}"
            body = [{"flow_run_id": run_id, "level": 20, "message": message,
                     "timestamp": datetime.now(UTC).isoformat()}]
            sent[message] = time.perf_counter()
            checked(api.post("/api/logs", json=body), 200)
            acked[message] = time.perf_counter()
            time.sleep(interval_s)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(len(f.arrived) < lines for f in followers):
            time.sleep(0.05)
        rss_open = tree_rss_mb(server.process.pid)
        checked(api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Running"}), 200)
        checked(api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Success"}), 200)
        for follower in followers:
            follower.join(30)
        from_ack = [(f.arrived[m] - acked[m]) * 1000 for f in followers for m in acked
                    if m in f.arrived]
        from_send = [(f.arrived[m] - sent[m]) * 1000 for f in followers for m in sent
                     if m in f.arrived]
        missing = lines * n_streams - len(from_ack)
        p95 = percentile(from_ack, 0.95) if from_ack else None
        return {
            "case": f"{n_streams}_streams", "database": "sqlite", "streams": n_streams,
            "lines": lines, "interval_ms": round(interval_s * 1000),
            "missing": missing,
            "errors": [repr(f.error) for f in followers if f.error is not None],
            "latency_from_ack_ms": {
                "p50": round(statistics.median(from_ack), 1) if from_ack else None,
                "p95": round(p95, 1) if p95 is not None else None,
                "max": round(max(from_ack), 1) if from_ack else None},
            "latency_from_send_ms": {
                "p50": round(statistics.median(from_send), 1) if from_send else None,
                "p95": round(percentile(from_send, 0.95), 1) if from_send else None,
                "max": round(max(from_send), 1) if from_send else None},
            "server_rss_mb_before_streams": rss_before,
            "server_rss_mb_streams_open": rss_open,
            "target_p95_ms": TARGET_P95_MS,
            "ok": p95 is not None and p95 <= TARGET_P95_MS and missing == 0,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default="1,20", help="stream counts, comma-separated")
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--interval-ms", type=float, default=20.0)
    args = parser.parse_args()
    for n in (int(s) for s in args.streams.split(",")):
        print(json.dumps(case(n, args.lines, args.interval_ms / 1000)), flush=True)


if __name__ == "__main__":
    main()
