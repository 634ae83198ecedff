"""What the server costs: start-up, idle memory, write throughput, registration, queries at scale,
and the CPU that agents' waiting claims take from an idle server.

Run by hand, never from the tests: `python benchmarks/server.py [--database sqlite|postgresql|both]
[--cases startup,create_runs,task_states,logs,register,queries,idle_claims] [--scale 0.01]
[--server-src DIR] [--prefect3-python PATH]`. Every case starts the server as a real process
(`caudal server start` when this installation has it, else uvicorn on `create_app` through
`python -c`) on a database of its own: a temporary SQLite file, or a PostgreSQL schema made for
the case and dropped after it (the local server at 127.0.0.1:5432, database `test`;
CAUDAL_BENCH_POSTGRES_URL overrides). Each measurement prints one JSON line with its figures,
the target of issue 6 and whether it was met (cases without a target say so and give no "ok").
`--scale` multiplies every row count (0.01 for a quick pass) and the idle_claims window (at
least 5 s). `--server-src` runs the server, the CLI and this script's own caudal imports from
another source tree (e.g. a `git worktree` of an earlier commit), to measure the code before a
change. With `--prefect3-python`, a last line gives Prefect 3's server idle RSS beside ours.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))  # server_seed, when run as a script

CAUDAL = str(Path(sys.executable).with_name("caudal"))
POSTGRES_URL = os.environ.get("CAUDAL_BENCH_POSTGRES_URL",
                              "postgresql+psycopg://127.0.0.1:5432/test")
DATABASES = ("sqlite", "postgresql")
CASES = ("startup", "create_runs", "task_states", "logs", "register", "queries", "idle_claims")
IDLE_S = 2.0
QUERY_REPEATS = 50
CLAIM_AGENTS = 100
CLAIM_WAIT_S = 30.0
CLAIM_WARM_UP_S = 2.0
CLAIM_WINDOW_S = 20.0

Line = dict[str, Any]
"""One JSON line of the report."""

TARGETS = {"startup_s": 1.0, "idle_rss_mb": 80.0, "runs_per_s": 500.0,
           "states_per_s": 20_000.0, "lines_per_s": 50_000.0, "query_ms": 50.0}
"""Issue 6's speed targets: at most for times and memory, at least for rates."""

SERVE = """
import sys, uvicorn
from caudal.server.app import create_app
from caudal.server.settings import ServerSettings
settings = ServerSettings(database_url=sys.argv[1], port=int(sys.argv[2]))
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
"""
"""The fallback server command, until `caudal server start` exists."""

REGISTER = """
import json, sys
from caudal.client import Client
from caudal.cli.registration import register_targets
with Client(sys.argv[1]) as client:
    outcomes = register_targets(client, sys.argv[2], [sys.argv[3]], echo=lambda line: None)
statuses = [o.result.status if o.result else "error" for o in outcomes]
print(f"{statuses.count('created')} registered, {statuses.count('skipped')} skipped, "
      f"{statuses.count('error')} errored")
"""
"""The fallback for `caudal register`: the library function that command reports from."""


# --- small helpers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scaled(n: int, scale: float, minimum: int) -> int:
    return max(minimum, int(n * scale))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def iso(when: datetime) -> str:
    return when.isoformat()


def child_env(**values: str) -> dict[str, str]:
    """The environment of a caudal child process: this one's with ``values``, and PYTHONPATH
    only as --server-src sets it."""
    env = dict(os.environ, **values)
    env.pop("PYTHONPATH", None)
    if ServerProcess.source is not None:
        env["PYTHONPATH"] = ServerProcess.source
    return env


def cli_help(*command: str) -> str | None:
    """The --help text of a caudal command, or None when this installation lacks it."""
    try:
        done = subprocess.run([CAUDAL, *command, "--help"], capture_output=True, text=True,
                              timeout=60, env=child_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (a CLI may serve from a child)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants."""
    total_kb = 0
    for current in process_tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total_kb += int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))
        except (OSError, AttributeError):
            continue
    return round(total_kb / 1024, 1)


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process and its descendants have used so far.

    The machine may be shared: wall-clock rates then fall with the load, while the server's
    own CPU per operation does not, so the cases report both.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


# --- databases and the server process -----------------------------------------------------------


class Target:
    """One database engine; ``fresh()`` gives an empty database of it for one case."""

    def __init__(self, name: str, work: Path) -> None:
        self.name = name
        self.work = work

    @contextmanager
    def fresh(self) -> Iterator[str]:
        if self.name == "sqlite":
            path = self.work / f"caudal-{uuid.uuid4().hex[:8]}.db"
            try:
                yield f"sqlite:///{path}"
            finally:
                for leftover in self.work.glob(f"{path.name}*"):
                    leftover.unlink()
            return
        from sqlalchemy import create_engine, text

        schema = f"caudal_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            joiner = "&" if "?" in POSTGRES_URL else "?"
            yield f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{schema}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def wait_healthy(probe: httpx.Client, url: str, process: subprocess.Popen[bytes],
                 deadline: float) -> bool:
    """Poll ``url`` every 5 ms until it answers 200; False if the process ends or time is up.

    One client, made before the spawn: a new one per poll would build an SSL context each
    time (milliseconds of CPU taken from the server starting on the same cores).
    """
    while True:
        try:
            if probe.get(url).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.perf_counter() > deadline:
            return False
        time.sleep(0.005)


class ServerProcess:
    """The server as a real process; ``startup_s`` is spawn to the first 200 from /health."""

    cli_text: str | None = None  # `caudal server start --help`, looked up once
    source: str | None = None  # --server-src: the source tree the server imports caudal from

    def __init__(self, database_url: str, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.home = work / "home"
        self.log_path = work / f"server-{self.port}.log"
        self.via = "cli" if self.cli_text is not None else "uvicorn"
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s = float("nan")

    def command(self) -> list[str]:
        if self.cli_text is None:
            return [sys.executable, "-c", SERVE, self.database_url, str(self.port)]
        command = [CAUDAL, "server", "start"]
        # The configuration's variables (set in env()) serve too; options win if it has them.
        for option, value in (("--database-url", self.database_url),
                              ("--host", "127.0.0.1"), ("--port", str(self.port))):
            if option in self.cli_text:
                command += [option, value]
        return command

    def env(self) -> dict[str, str]:
        return child_env(CAUDAL_HOME=str(self.home), CAUDAL_DATABASE_URL=self.database_url,
                         CAUDAL__SERVER__DATABASE_URL=self.database_url,
                         CAUDAL__SERVER__HOST="127.0.0.1", CAUDAL__SERVER__PORT=str(self.port))

    def __enter__(self) -> ServerProcess:
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log, httpx.Client(timeout=5) as probe:
            started = time.perf_counter()
            self.process = subprocess.Popen(self.command(), env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
            if not wait_healthy(probe, f"{self.url}/health", self.process, started + 60):
                self.stop()
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"The server ({self.via}) did not answer /health: ...{tail}")
            self.startup_s = time.perf_counter() - started
        return self

    def rss_mb(self) -> float:
        assert self.process is not None
        return tree_rss_mb(self.process.pid)

    def cpu_s(self) -> float:
        assert self.process is not None
        return tree_cpu_s(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Its own session, started above: the group is this server and its children only.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def checked(response: httpx.Response, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise RuntimeError(f"{response.request.method} {response.request.url.path} answered "
                           f"{response.status_code}: {response.text[:500]}")
    return response.json() if response.content else None


def make_flow(http: httpx.Client, project: str, name: str) -> str:
    """A project (if new) and a registered flow with one Parameter; the flow version's id."""
    from caudal import Flow, Parameter, task

    checked(http.post("/api/projects", json={"name": project}), 201, 409)

    @task
    def add(x: int, y: int) -> int:
        return x + y

    with Flow(name) as flow:
        add(add(Parameter("x", default=1), 2), 3)
    result = checked(http.post("/api/flows/register", json={
        "project": project, "name": name, "hash": flow.serialized_hash(),
        "serialized": flow.serialize()}), 201, 200)
    return result["flow_id"]


def make_runs(http: httpx.Client, flow_id: str, n: int) -> list[str]:
    return [checked(http.post("/api/flow-runs", json={"flow_id": flow_id}), 201)["id"]
            for _ in range(n)]


class Timed:
    """A timed run of requests: wall seconds, the server's and this client's CPU seconds, and
    each request's seconds. With one client waiting for each answer, wall time is at least
    the sum of the two CPU times (plus the database's own work)."""

    def __init__(self) -> None:
        self.total_s = self.server_cpu_s = self.client_cpu_s = 0.0
        self.each: list[float] = []

    def figures(self, n: int, unit: str) -> Line:
        server_cpu = max(self.server_cpu_s, 0.01)  # /proc counts in 10 ms ticks
        return {"total_s": round(self.total_s, 3), f"{unit}_per_s": round(n / self.total_s, 1),
                "server_cpu_s": round(self.server_cpu_s, 2),
                f"{unit}_per_server_cpu_s": round(n / server_cpu, 1),
                "client_cpu_s": round(self.client_cpu_s, 2),
                "request_p50_ms": ms(statistics.median(self.each)),
                "request_p95_ms": ms(percentile(self.each, 0.95))}


def post_all(server: ServerProcess, http: httpx.Client, path: str, bodies: list[bytes]) -> Timed:
    """POST pre-encoded JSON bodies one after the other, each waiting for the one before."""
    headers = {"content-type": "application/json"}
    timed = Timed()
    server_cpu, client_cpu = server.cpu_s(), time.process_time()
    started = time.perf_counter()
    for body in bodies:
        began = time.perf_counter()
        checked(http.post(path, content=body, headers=headers), 200, 201)
        timed.each.append(time.perf_counter() - began)
    timed.total_s = time.perf_counter() - started
    timed.server_cpu_s = server.cpu_s() - server_cpu
    timed.client_cpu_s = time.process_time() - client_cpu
    return timed


# --- the cases ----------------------------------------------------------------------------------


def startup_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """Spawn to first 200 on a fresh database (migrations included), then on that database
    again (three times, the median shown); idle RSS after IDLE_S seconds each time."""
    with target.fresh() as url:
        for variant, repeats in (("fresh", 1), ("existing", 3)):
            times, rss = [], []
            for _ in range(repeats):
                with ServerProcess(url, work) as server:
                    times.append(server.startup_s)
                    time.sleep(IDLE_S)
                    rss.append(server.rss_mb())
            startup_s, rss_mb = statistics.median(times), statistics.median(rss)
            yield {"variant": variant, "via": server.via, "startup_s": round(startup_s, 3),
                   "startup_all_s": [round(t, 3) for t in times], "idle_rss_mb": rss_mb,
                   "target_startup_s": TARGETS["startup_s"],
                   "target_idle_rss_mb": TARGETS["idle_rss_mb"],
                   "ok": startup_s < TARGETS["startup_s"] and rss_mb < TARGETS["idle_rss_mb"]}


def create_runs_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """Sequential POST /api/flow-runs from one keep-alive client."""
    n = scaled(2_000, scale, 200)
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        flow_id = make_flow(http, "bench", "create-runs")
        make_runs(http, flow_id, 50)  # warm-up: first-call costs are not the steady rate
        bodies = [json.dumps({"flow_id": flow_id, "parameters": {"x": i}}).encode()
                  for i in range(n)]
        timed = post_all(server, http, "/api/flow-runs", bodies)
        rate = n / timed.total_s
        yield {"via": server.via, "runs": n, **timed.figures(n, "runs"),
               "rss_mb_after": server.rss_mb(), "target_runs_per_s": TARGETS["runs_per_s"],
               "ok": rate >= TARGETS["runs_per_s"]}


def task_states_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """Batches of 1,000 states, as a runner ships them: each batch takes the next 500 task
    runs of a flow run to Running and the 500 before them to Success (new rows and updates)."""
    batch, per_run = 1_000, 500
    n_states = scaled(100_000, scale, 2 * batch)
    n_tasks = n_states // 2
    chunk = batch // 2
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        flow_id = make_flow(http, "bench", "task-states")
        run_ids = make_runs(http, flow_id, -(-n_tasks // per_run))
        when = datetime.now(UTC)

        def state(k: int, name: str, message: str, after_s: float) -> dict[str, Any]:
            return {"flow_run_id": run_ids[k // per_run], "task_slug": f"t{k % 10}",
                    "map_index": (k % per_run) // 10, "task_name": f"t{k % 10}", "state": name,
                    "message": message,
                    "timestamp": iso(when + timedelta(milliseconds=k, seconds=after_s))}

        def running(k: int) -> dict[str, Any]:
            return state(k, "Running", "Starting task run.", 0.0)

        def success(k: int) -> dict[str, Any]:
            return state(k, "Success", "Task run succeeded.", 1.5)

        starts = range(0, n_tasks, chunk)
        batches = []
        for i, first in enumerate(starts):
            previous = range(first - chunk, first) if i else range(0)
            batches.append([success(k) for k in previous]
                           + [running(k) for k in range(first, min(first + chunk, n_tasks))])
        batches.append([success(k) for k in range(starts[-1], n_tasks)])
        bodies = [json.dumps(b).encode() for b in batches]
        # Warm-up on a run of its own, so the measured batches stay a runner's shape.
        warm_run = make_runs(http, flow_id, 1)[0]
        checked(http.post("/api/task-runs/states", json=[
            {"flow_run_id": warm_run, "task_slug": "w", "map_index": i, "state": "Running"}
            for i in range(chunk)]), 200)
        timed = post_all(server, http, "/api/task-runs/states", bodies)
        written = sum(len(b) for b in batches)
        done = checked(http.get(f"/api/flow-runs/{run_ids[0]}/task-runs"), 200)
        rate = written / timed.total_s
        yield {"via": server.via, "states": written, "task_runs": n_tasks,
               "flow_runs": len(run_ids), "batches": len(bodies), "batch_size": batch,
               **timed.figures(written, "states"), "rss_mb_after": server.rss_mb(),
               "check_ok": len(done) == min(per_run, n_tasks)
               and all(t["state"] == "Success" and t["start_time"] for t in done),
               "target_states_per_s": TARGETS["states_per_s"],
               "ok": rate >= TARGETS["states_per_s"]}


def logs_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """Batches of 5,000 log lines, 5,000 lines per flow run."""
    batch = 5_000
    n_lines = scaled(250_000, scale, 2 * batch)
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=120) as http:
        flow_id = make_flow(http, "bench", "logs")
        run_ids = make_runs(http, flow_id, -(-n_lines // batch))
        when = datetime.now(UTC)
        bodies = []
        for first in range(0, n_lines, batch):
            bodies.append(json.dumps([
                {"flow_run_id": run_ids[k // batch], "task_slug": f"t{k % 10}",
                 "map_index": (k // 10) % 100, "timestamp": iso(when + timedelta(microseconds=k)),
                 "level": 20, "name": "caudal.TaskRunner",
                 "message": f"Task 't{k % 10}': Finished task run for task with final state: "
                            f"'Success' ({k})"}
                for k in range(first, min(first + batch, n_lines))]).encode())
        warm_run = make_runs(http, flow_id, 1)[0]
        checked(http.post("/api/logs", json=[
            {"flow_run_id": warm_run, "timestamp": iso(when), "level": 20, "message": "warm"}
            for _ in range(batch)]), 200)
        timed = post_all(server, http, "/api/logs", bodies)
        rate = n_lines / timed.total_s
        yield {"via": server.via, "lines": n_lines, "batches": len(bodies), "batch_size": batch,
               **timed.figures(n_lines, "lines"), "rss_mb_after": server.rss_mb(),
               "target_lines_per_s": TARGETS["lines_per_s"], "ok": rate >= TARGETS["lines_per_s"]}


FLOW_FILE = '''\
from datetime import timedelta

from caudal import Flow, Parameter, task
from caudal.schedules import IntervalSchedule


@task
def extract(n):
    return list(range(n))


@task
def load(rows):
    return len(rows)


schedule = {schedule}

with Flow("bench-flow-{index:03d}", schedule=schedule) as flow:
    n = Parameter("n", default={index})
    load(extract(n))
'''


def write_flow_files(folder: Path, n: int) -> int:
    """``n`` flow files; every fifth flow has an hourly-or-so schedule. Returns how many do."""
    folder.mkdir(parents=True)
    scheduled = 0
    for i in range(n):
        schedule = "None"
        if i % 5 == 0:
            schedule = f"IntervalSchedule(interval=timedelta(hours={1 + i % 6}))"
            scheduled += 1
        (folder / f"flow_{i:03d}.py").write_text(FLOW_FILE.format(index=i, schedule=schedule))
    return scheduled


def register_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """`caudal register` of a folder of flow files, then again with nothing changed."""
    n = scaled(300, scale, 30)
    cli = cli_help("register")
    folder = work / f"flows-{uuid.uuid4().hex[:6]}"
    scheduled = write_flow_files(folder, n)
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        checked(http.post("/api/projects", json={"name": "bench"}), 201)
        if cli is not None:
            command, via = [CAUDAL, "register", "--project", "bench", "--path", str(folder)], "cli"
        else:
            command = [sys.executable, "-c", REGISTER, server.url, "bench", str(folder)]
            via = "python -c register_targets (no `caudal register` yet)"
        env = child_env(CAUDAL_API=server.url, CAUDAL_HOME=str(server.home))
        for attempt in ("first", "unchanged"):
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=work)
            wall_s = time.perf_counter() - started
            summary = re.search(r"(\d+) registered, (\d+) skipped(?:, (\d+) errored)?",
                                done.stdout)
            line: Line = {"variant": attempt, "via": via, "flows": n,
                          "scheduled_flows": scheduled, "wall_s": round(wall_s, 3),
                          "ms_per_flow": ms(wall_s / n), "exit_code": done.returncode,
                          "target": "none stated (wall time reported)"}
            if summary:
                line.update(registered=int(summary[1]), skipped=int(summary[2]),
                            errored=int(summary[3] or 0))
            else:
                line["error"] = (done.stdout + done.stderr)[-2000:]
            yield line
        runs = checked(http.get("/api/flow-runs", params={"limit": 500}), 200)["items"]
        yield {"variant": "scheduled_runs_after", "via": via, "flow_runs": len(runs),
               "target": "none"}


def timed_gets(http: httpx.Client, requests: list[tuple[str, dict[str, Any]]],
               expect_items: int) -> Line:
    for path, params in requests[:5]:  # warm-up
        checked(http.get(path, params=params), 200)
    each, short = [], 0
    for path, params in requests:
        began = time.perf_counter()
        page = checked(http.get(path, params=params), 200)
        each.append(time.perf_counter() - began)
        short += len(page["items"]) < expect_items
    p50, p95 = statistics.median(each), percentile(each, 0.95)
    return {"requests": len(each), "p50_ms": ms(p50), "p95_ms": ms(p95), "max_ms": ms(max(each)),
            "short_pages": short, "target_ms": TARGETS["query_ms"],
            "ok": p50 * 1000 < TARGETS["query_ms"] and p95 * 1000 < TARGETS["query_ms"]}


def queries_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """Seed 100k runs / 1M task runs / 1M log lines directly, then time list queries."""
    from server_seed import seed

    with target.fresh() as url:
        seeded = seed(url, scale)
        yield {"variant": "seed", "counts": seeded.counts,
               "seconds": {k: round(v, 2) for k, v in seeded.seconds.items()},
               "target": "a few minutes at most"}
        with ServerProcess(url, work) as server, \
                httpx.Client(base_url=server.url, timeout=60) as http:
            n = QUERY_REPEATS
            flows = [seeded.flow_ids[i % len(seeded.flow_ids)] for i in range(n)]
            step = max(1, len(seeded.heavy_run_ids) // n)
            heavy = seeded.heavy_run_ids[::step][:n]
            cases: list[tuple[str, list[tuple[str, dict[str, Any]]], int]] = [
                ("flow_runs_of_flow", [("/api/flow-runs", {"flow_id": f, "limit": 50})
                                       for f in flows], 50),
                ("run_logs_first_page", [(f"/api/flow-runs/{r}/logs", {"limit": 200})
                                         for r in heavy], 200),
                ("flow_runs_all", [("/api/flow-runs", {"limit": 50})] * n, 50),
                ("flow_runs_failed", [("/api/flow-runs", {"state": "Failed", "limit": 50})] * n,
                 50),
            ]
            for variant, requests, expect in cases:
                yield {"variant": variant, "via": server.via, **timed_gets(http, requests, expect),
                       "flow_runs_in_db": seeded.counts["flow_runs"]}
            yield {"variant": "rss_after_queries", "rss_mb": server.rss_mb(), "target": "none"}


class Claimers:
    """Agents long-polling their claims at once, each from a thread and client of its own: each
    claims again as soon as its claim returns, until ``stop``. Counts the answers and keeps when
    each taken run came back."""

    def __init__(self, url: str, agent_ids: list[str], wait_s: float) -> None:
        self.url = url
        self.wait_s = wait_s
        self.stop = threading.Event()
        self.took = threading.Event()  # some claim returned a run
        self.lock = threading.Lock()
        self.started = self.answered = 0
        self.taken: dict[str, float] = {}  # run id: perf_counter() when its claim returned
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self.poll, args=(agent_id,), daemon=True,
                                         name=f"claim-{i}")
                        for i, agent_id in enumerate(agent_ids)]

    def poll(self, agent_id: str) -> None:
        body = {"limit": 1, "wait_s": self.wait_s}
        with httpx.Client(base_url=self.url, timeout=self.wait_s + 30) as http:
            with self.lock:
                self.started += 1
            while not self.stop.is_set():
                try:
                    runs = checked(http.post(f"/api/agents/{agent_id}/claim", json=body), 200)
                except (httpx.HTTPError, RuntimeError) as exc:
                    with self.lock:
                        self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    return
                returned = time.perf_counter()
                with self.lock:
                    self.answered += 1
                    self.taken.update((run["id"], returned) for run in runs)
                if runs:
                    self.took.set()

    def start(self, deadline_s: float = 30.0) -> None:
        """Start the threads; return once each has its client and is about to claim."""
        for thread in self.threads:
            thread.start()
        deadline = time.monotonic() + deadline_s
        while self.started < len(self.threads) and not self.errors \
                and time.monotonic() < deadline:
            time.sleep(0.01)

    def finish(self, release: Callable[[int], object]) -> int:
        """Stop claiming again, ``release(n)`` the claims still waiting (one new run each), and
        join the threads; how many are still running (each is bounded by its claim's timeout,
        and a daemon)."""
        self.stop.set()
        waiting = sum(thread.is_alive() for thread in self.threads)
        try:
            if waiting:
                release(waiting)
        finally:
            deadline = time.monotonic() + self.wait_s + 5  # a claim ends by itself by then
            for thread in self.threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return sum(thread.is_alive() for thread in self.threads)


def idle_claims_case(target: Target, work: Path, scale: float) -> Iterator[Line]:
    """100 agents each keep a long-poll claim (wait_s 30, limit 1) waiting with no run to take.
    After a 2 s warm-up, the server's CPU seconds per minute over a window (20 s, scaled, at
    least 5 s): what waiting claims cost an idle server. Then one new run: ``wake_ms`` is from
    its creation's answer to a waiting claim's answer with it (below zero if the claim answered
    first). Last, one run per claim still waiting lets them all return, and the threads end."""
    window_s = max(5.0, CLAIM_WINDOW_S * scale)
    labels = ["bench"]
    with target.fresh() as url, ServerProcess(url, work) as server, \
            httpx.Client(base_url=server.url, timeout=60) as http:
        flow_id = make_flow(http, "bench", "idle-claims")
        run_body = {"flow_id": flow_id, "labels": labels}
        agent_ids = [checked(http.post("/api/agents", json={"name": f"agent-{i:03d}",
                                                           "labels": labels}), 201)["id"]
                     for i in range(CLAIM_AGENTS)]
        claimers = Claimers(server.url, agent_ids, CLAIM_WAIT_S)
        threads_left = len(agent_ids)
        try:
            claimers.start()
            time.sleep(CLAIM_WARM_UP_S)
            answered, server_cpu = claimers.answered, server.cpu_s()
            client_cpu, started = time.process_time(), time.perf_counter()
            time.sleep(window_s)
            cpu_s = server.cpu_s() - server_cpu
            wall_s = time.perf_counter() - started
            client_cpu_s = time.process_time() - client_cpu
            answered = claimers.answered - answered
            rss_mb = server.rss_mb()

            began = time.perf_counter()
            run_id = checked(http.post("/api/flow-runs", json=run_body), 201)["id"]
            created = time.perf_counter()
            claimers.took.wait(timeout=10)
            with claimers.lock:
                claimed = claimers.taken.get(run_id)
        finally:
            threads_left = claimers.finish(
                lambda n: [checked(http.post("/api/flow-runs", json=run_body), 201)
                           for _ in range(n)])
        line: Line = {
            "via": server.via, "agents": len(agent_ids), "claim_wait_s": CLAIM_WAIT_S,
            "window_s": round(wall_s, 2), "server_cpu_s": round(cpu_s, 2),
            "cpu_s_per_min": round(cpu_s * 60 / wall_s, 2),
            "client_cpu_s": round(client_cpu_s, 2), "claims_answered": answered,
            "rss_mb_after": rss_mb, "create_ms": ms(created - began),
            "wake_ms": None if claimed is None else ms(claimed - created),
            "released": len(claimers.taken) - (claimed is not None),
            "threads_left": threads_left, "errors": len(claimers.errors),
            "check_ok": claimed is not None and not claimers.errors and not threads_left,
            "target": "none stated (idle CPU reported)"}
        if claimers.errors:
            line["first_error"] = claimers.errors[0]
        yield line


CASE_FUNCTIONS: dict[str, Callable[[Target, Path, float], Iterator[Line]]] = {
    "startup": startup_case,
    "create_runs": create_runs_case,
    "task_states": task_states_case,
    "logs": logs_case,
    "register": register_case,
    "queries": queries_case,
    "idle_claims": idle_claims_case,
}


# --- Prefect 3, for comparison ------------------------------------------------------------------


def prefect3_idle(python: str, work: Path) -> Line:
    """Prefect 3's `prefect server start` on its default SQLite: start-up and idle RSS."""
    prefect = str(Path(python).with_name("prefect"))
    port = free_port()
    home = work / "prefect-home"
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_UI_ENABLED="false", PREFECT_UI_ENABLED="false")
    env.pop("PYTHONPATH", None)
    version = subprocess.run([python, "-c", "import prefect; print(prefect.__version__)"],
                             capture_output=True, text=True, env=env).stdout.strip()
    line: Line = {"case": "prefect3_idle", "database": "sqlite", "version": version}
    load = round(os.getloadavg()[0], 2)
    log_path = work / "prefect-server.log"
    results = []
    for variant in ("fresh", "existing"):
        with log_path.open("ab") as log, httpx.Client(timeout=5) as probe:
            started = time.perf_counter()
            process = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1",
                                        "--port", str(port)], env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            healthy = wait_healthy(probe, f"http://127.0.0.1:{port}/api/health", process,
                                   started + 120)
            startup_s = time.perf_counter() - started
        try:
            if not healthy:
                tail = log_path.read_text(errors="replace")[-2000:]
                return {**line, "error": f"did not start: ...{tail}"}
            time.sleep(IDLE_S)
            results.append({"variant": variant, "startup_s": round(startup_s, 3),
                            "idle_rss_mb": tree_rss_mb(process.pid)})
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return {**line, "runs": results, "load_1m_before": load,
            "note": "Prefect's default `server start`: one process (uvicorn and its services), "
                    "UI and analytics off; RSS summed over its process tree"}


# --- the report ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=(*DATABASES, "both"), default="both")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated, from: {', '.join(CASES)}")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every row count (0.01 for a quick pass)")
    parser.add_argument("--server-src", default=None, metavar="DIR",
                        help="run the server and the CLI with caudal from this source tree")
    parser.add_argument("--prefect3-python", default=None,
                        help="a Python with Prefect 3 installed: compare its idle server RSS")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in CASE_FUNCTIONS]
    if unknown:
        parser.error(f"unknown case '{unknown[0]}'; cases are: {', '.join(CASES)}")
    databases = DATABASES if args.database == "both" else (args.database,)
    source: Line = {}
    if args.server_src:
        ServerProcess.source = str(Path(args.server_src).resolve())
        sys.path.insert(0, ServerProcess.source)  # make_flow's and the seed's caudal too
        source = {"server_src": ServerProcess.source}
    ServerProcess.cli_text = cli_help("server", "start")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-server-") as folder:
        work = Path(folder)
        for database in databases:
            target = Target(database, work)
            for case in cases:
                try:
                    load = round(os.getloadavg()[0], 2)  # others' work on this machine
                    for line in CASE_FUNCTIONS[case](target, work, args.scale):
                        print(json.dumps({"case": case, "database": database, **line,
                                          "load_1m_before": load, "cpus": os.cpu_count(),
                                          **source}),
                              flush=True)
                except Exception as exc:  # report it and go on with the other cases
                    failures += 1
                    print(json.dumps({"case": case, "database": database,
                                      "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        if args.prefect3_python:
            print(json.dumps(prefect3_idle(args.prefect3_python, work)), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
