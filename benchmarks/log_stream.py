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
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

CAUDAL = str(Path(sys.executable).with_name("caudal"))
TARGET_P95_MS = 1000.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float | None:
    """VmRSS of one process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Server:
    """`caudal server start` on a SQLite file of its own, in its own process group."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{work / 'caudal.db'}"
        self.log = open(work / "server.log", "wb")  # noqa: SIM115 - closed in stop
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [CAUDAL, "server", "start", "--port", str(self.port), "--database-url",
             self.database_url], stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"The server did not start: {Path(self.log.name).read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def checked(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json() if response.content else None


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
    with tempfile.TemporaryDirectory() as work, Server(Path(work)) as server, \
            httpx.Client(base_url=server.url, timeout=30) as api:
        assert server.process is not None
        checked(api.post("/api/projects", json={"name": "bench"}))
        flow = checked(api.post("/api/flows/register", json={
            "project": "bench", "name": "logs", "hash": "h1", "serialized": {"parameters": []}}))
        run_id = checked(api.post("/api/flow-runs", json={"flow_id": flow["flow_id"]}))["id"]
        time.sleep(1.0)
        rss_before = rss_mb(server.process.pid)
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
            checked(api.post("/api/logs", json=body))
            acked[message] = time.perf_counter()
            time.sleep(interval_s)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(len(f.arrived) < lines for f in followers):
            time.sleep(0.05)
        rss_open = rss_mb(server.process.pid)
        checked(api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Running"}))
        checked(api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Success"}))
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
