"""What an agent costs: how late a scheduled run starts, how much slower a big flow runs through
an agent than in `flow.run()`, and how many runs one agent gets through per minute.

Run by hand, never from the tests: `python benchmarks/agent.py [--cases
latency,chain,map,throughput] [--runs 50] [--lead-s 1.0] [--database-url URL] [--sizes
chain=1000,map=10000] [--throughput-runs 200] [--limit 8] [--agent-env KEY=VALUE]
[--pyc cache|inherit] [--timeout 600]`. Every case starts its own `caudal server start` (a
temporary SQLite file by default; with a `postgresql+psycopg://` URL, a schema made for the
case in that database and dropped after it) and its own `caudal agent start` as real child
processes, with CAUDAL_HOME in a temporary folder; flows are registered with `caudal register`
from a flow file written for the case, as a user would. Each case prints one JSON line:

- `latency`: runs created one at a time, each due `--lead-s` (1 s) ahead, each measured alone
  (the next is created once the agent has settled the one before): scheduled start time to the
  first task's `time.time()` (written by the task to a file named by the flow run id), with a
  breakdown from the server's state history (scheduled -> Submitted: the claim; Submitted ->
  Running: the agent's launch, the interpreter, the imports and loading the flow; Running ->
  the first task). One untimed warm-up run comes first. Target: p50 <= 200 ms, p95 <= 500 ms.
- `chain` (1,000 tasks in a line) and `map` (10,000 mapped children and a reduce): the same
  flow's `flow.run()` in a fresh process first, then one run through the agent; Running to the
  final state (server timestamps) over the `flow.run()` wall time (target <= 2x), and whether
  every task run and every log line is on the server at the moment the run reads final.
- `throughput`: `--throughput-runs` trivial runs due now, then an agent with `--limit`; finished
  runs per minute between the 10th and the 90th percentile finish, and the agent process's RSS.

`throughput` and `latency` also give the CPU time per run of the run processes (the agent's
reaped children), the agent and the server, which a busy machine does not inflate the way it
does wall times. `chain` and `map` start the server with its access log and count the batch
requests the run sent; they give the server's CPU time from the run's creation to its final
state, and the run process's (its imports included, as it was started ahead). Each line
also carries the Python version, the machine's CPU count, its 1-minute load just before the
case (other work on a shared machine slows every figure here), and the commit with the
source files changed since (this checkout may hold work in progress).
By default the children write bytecode caches to a temporary folder, as an installed caudal
has them, even where PYTHONDONTWRITEBYTECODE is set (`--pyc inherit` to keep the environment).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
CASES = ("latency", "chain", "map", "throughput")
DEFAULT_SIZES = {"chain": 1_000, "map": 10_000}
TARGETS = {"latency_p50_ms": 200.0, "latency_p95_ms": 500.0, "agent_over_flow_run": 2.0}
FINISHED = ("Success", "Failed", "Cancelled", "TimedOut", "Skipped")
TASK_FINAL = ("Success", "Failed", "Mapped", "Skipped", "TimedOut", "Cancelled", "TriggerFailed",
              "Cached")
MARK_ENV = "BENCH_MARK_DIR"

Line = dict[str, Any]

LATENCY_FLOW = '''
import os
import time

import caudal
from caudal import Flow, task


@task
def first():
    stamp = time.time()
    path = os.path.join(os.environ["BENCH_MARK_DIR"], str(caudal.context.flow_run_id))
    with open(path, "w") as handle:
        handle.write(repr(stamp))


with Flow("bench-latency") as flow:
    first()
'''

CHAIN_FLOW = '''
from caudal import Flow, task


@task
def inc(x):
    return x + 1


with Flow("bench-chain") as flow:
    value = 0
    for _ in range({size}):
        value = inc(value)
'''

MAP_FLOW = '''
from caudal import Flow, task


@task
def inc(x):
    return x + 1


@task
def total(numbers):
    return sum(numbers)


with Flow("bench-map") as flow:
    total(inc.map(list(range({size}))))
'''

TRIVIAL_FLOW = '''
from caudal import Flow, task


@task
def one():
    return 1


with Flow("bench-trivial") as flow:
    one()
'''


# --- small helpers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def spread_ms(values: list[float]) -> Line:
    """p50, p95, max and min of durations in seconds, in milliseconds."""
    if not values:
        return {}
    return {"p50_ms": ms(statistics.median(values)), "p95_ms": ms(percentile(values, 0.95)),
            "max_ms": ms(max(values)), "min_ms": ms(min(values))}


def ts(text: str) -> float:
    """An ISO timestamp of the server as seconds since the epoch."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def checked(response: Any, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise RuntimeError(f"{response.request.method} {response.request.url.path} answered "
                           f"{response.status_code}: {response.text[:500]}")
    return response.json() if response.content else None


def wait_until(check: Callable[[], Any], timeout: float, interval: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}; last: {value!r}")
        time.sleep(interval)


def proc_status_kb(pid: int, key: str) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{key}:\s+(\d+)", status, re.M)
    return int(found.group(1)) if found else None


def descendants(pid: int) -> list[int]:
    """A process's descendants now (the agent's run processes and theirs)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                pending += children
        except OSError:
            continue
    return found


def cpu_s(pid: int | None, children: bool = False) -> float:
    """CPU seconds (user + system) a process has used, or (``children``) that its children it
    has waited for used: an agent's finished run processes."""
    if pid is None:
        return float("nan")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    first = 13 if children else 11
    return (int(fields[first]) + int(fields[first + 1])) / os.sysconf("SC_CLK_TCK")


def tree_rss_kb(pid: int) -> int:
    return sum(proc_status_kb(p, "VmRSS") or 0 for p in [pid, *descendants(pid)])


def child_env(**values: str) -> dict[str, str]:
    """The environment of a caudal child process: this one's, with ``values``; no PYTHONPATH,
    no API key; with --pyc cache, bytecode caches in the benchmark's folder."""
    env = dict(os.environ, **values)
    env.pop("PYTHONPATH", None)
    env.pop("CAUDAL_API_KEY", None)
    if Stack.pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = Stack.pycache
    return env


def warm_bytecode() -> None:
    """Write the bytecode caches of what the server, the agent and a run import, once, as an
    installed caudal has them, so that no case pays for compiling caudal's sources."""
    subprocess.run([sys.executable, "-c", "import caudal.cli, caudal.client, caudal.agent, "
                    "caudal.engine.cloud.flow_runner, caudal.server.app, caudal.core.flow, "
                    "caudal.storage, caudal.tasks.core.constants, cloudpickle, uvicorn"],
                   env=child_env(), check=True, capture_output=True)


def source_tree() -> Line:
    """The commit measured, and the source files changed since (a shared checkout moves)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=HERE.parents[1]).stdout

    changed = sorted(line[3:] for line in git("status", "--porcelain", "--", "src").splitlines())
    tree: Line = {"commit": git("rev-parse", "--short", "HEAD").strip() or None,
                  "src_changed": changed}
    if changed:
        tree["src_diff_sha1"] = hashlib.sha1(git("diff", "--", "src").encode()).hexdigest()[:10]
    return tree


# --- the database, the server, the agent --------------------------------------------------------


@contextmanager
def fresh_database(given: str | None, work: Path) -> Iterator[tuple[str, str]]:
    """A database URL for one case and the engine's name: a new SQLite file in ``work`` when
    none is given; a new schema in a given PostgreSQL database (dropped after); any other URL
    as it is (shared by the cases, which tell their runs apart by flow)."""
    if given is None:
        yield f"sqlite:///{work / f'caudal-{uuid.uuid4().hex[:8]}.db'}", "sqlite"
        return
    if not given.startswith("postgresql"):
        yield given, given.split(":", 1)[0].split("+", 1)[0]
        return
    from sqlalchemy import create_engine, text

    schema = f"caudal_bench_agent_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(given, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        joiner = "&" if "?" in given else "?"
        yield f"{given}{joiner}options=-csearch_path%3D{schema}", "postgresql"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class Stack:
    """A server and (once ``start_agent`` is called) an agent, as real child processes, sharing
    one CAUDAL_HOME under ``work``; ``http`` talks to the server. With ``access_log`` the server
    logs every request, and ``requests()`` counts them by method and path."""

    pycache: str | None = None
    """PYTHONPYCACHEPREFIX for every child (--pyc cache), None to pass the environment on."""
    agent_env: dict[str, str] = {}
    """--agent-env: variables for the agent (and so its runs), e.g. its configuration's."""

    def __init__(self, database_url: str, work: Path, access_log: bool = False) -> None:
        import httpx

        self.work = work
        self.access_log = access_log
        self.home = work / "home"
        self.marks = work / "marks"
        self.home.mkdir(parents=True, exist_ok=True)
        self.marks.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.server: subprocess.Popen[bytes] | None = None
        self.agent: subprocess.Popen[bytes] | None = None
        self.agent_log = work / "agent.log"
        self.agent_health: str | None = None
        self.agent_registered_at = float("nan")
        self.http = httpx.Client(base_url=self.url, timeout=120)

    def env(self, **extra: str) -> dict[str, str]:
        return child_env(CAUDAL_HOME=str(self.home), CAUDAL_API=self.url, **extra)

    def caudal(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "caudal", *args], capture_output=True,
                              text=True, timeout=300, env=self.env(), cwd=self.work)

    def __enter__(self) -> Stack:
        import httpx

        log = (self.work / "server.log").open("ab")
        self.server = subprocess.Popen(
            [sys.executable, "-m", "caudal", "server", "start", "--port", str(self.port),
             "--database-url", self.database_url,
             "--access-log" if self.access_log else "--no-access-log"], env=self.env(), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, cwd=self.work)
        log.close()

        def healthy() -> bool:
            if self.server is None or self.server.poll() is not None:
                raise RuntimeError("the server exited: " + self.tail("server.log"))
            try:
                return self.http.get("/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        try:
            wait_until(healthy, 60, 0.05, "the server to answer /health")
        except BaseException:
            self.__exit__()
            raise
        return self

    def tail(self, name: str, size: int = 3000) -> str:
        try:
            return (self.work / name).read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def requests(self) -> dict[str, int]:
        """Requests the server logged so far, by method and path (ids replaced by '{id}')."""
        counts: dict[str, int] = {}
        for found in re.finditer(r'"(GET|POST|PUT|PATCH|DELETE) (/[^ ?"]*)',
                                 self.tail("server.log", 1 << 30)):
            key = f"{found[1]} {re.sub(r'[0-9a-f]{8}-[0-9a-f-]{27}', '{id}', found[2])}"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def register(self, source: str, filename: str) -> str:
        """Write a flow file and register its one flow in project 'bench'; its version id."""
        path = self.work / filename
        path.write_text(textwrap.dedent(source))
        created = self.caudal("create", "project", "bench")
        if created.returncode != 0 and "already exists" not in created.stdout + created.stderr:
            raise RuntimeError(f"caudal create project: {created.stdout}{created.stderr}")
        done = self.caudal("register", "--project", "bench", "--path", str(path))
        if done.returncode != 0:
            raise RuntimeError(f"caudal register: {done.stdout}{done.stderr}")
        found = re.findall(r"ID: (\S+)", done.stdout)
        if found:
            return found[-1]
        # Skipped (the same flow is registered already): its latest version.
        name = re.search(r'Flow\("([^"]+)"', source).group(1)  # type: ignore[union-attr]
        flows = checked(self.http.get("/api/flows", params={"project": "bench",
                                                            "name": name}), 200)
        items = flows["items"] if isinstance(flows, dict) else flows
        return max(items, key=lambda f: f["version"])["id"]

    def start_agent(self, *args: str) -> None:
        """``caudal agent start`` as ``python -m caudal`` (so that ``agent.pid`` is the agent
        itself); returns once it has registered."""
        log = self.agent_log.open("ab")
        self.agent = subprocess.Popen(
            [sys.executable, "-m", "caudal", "agent", "start", "--api", self.url,
             "--name", "bench-agent", "--grace", "5", *args],
            env=self.env(**self.agent_env, **{MARK_ENV: str(self.marks)}), stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True, cwd=self.work)
        log.close()

        def registered() -> bool:
            if self.agent is None or self.agent.poll() is not None:
                raise RuntimeError("the agent exited: " + self.tail("agent.log"))
            return "registered" in self.tail("agent.log", 100_000)

        wait_until(registered, 60, 0.02, "the agent to register")
        self.agent_registered_at = time.time()
        found = re.search(r"health: (http://\S+)", self.tail("agent.log", 100_000))
        self.agent_health = found.group(1) if found else None

    def agent_running(self) -> int | None:
        """How many runs the agent holds (its /health), None if it cannot say."""
        if self.agent_health is None:
            return None
        try:
            return int(self.http.get(self.agent_health, timeout=5).json()["running"])
        except Exception:
            return None

    def agent_rss_mb(self) -> tuple[float | None, float | None]:
        """The agent process's own resident memory now and at its peak (VmRSS, VmHWM)."""
        if self.agent is None:
            return None, None
        now, peak = (proc_status_kb(self.agent.pid, key) for key in ("VmRSS", "VmHWM"))
        return (None if now is None else round(now / 1024, 1),
                None if peak is None else round(peak / 1024, 1))

    def agent_cpu_s(self, children: bool = False) -> float:
        return cpu_s(None if self.agent is None else self.agent.pid, children)

    def server_cpu_s(self) -> float:
        return cpu_s(None if self.server is None else self.server.pid)

    def _stop(self, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __exit__(self, *exc: object) -> None:
        try:
            if self.agent is not None:
                # Run processes have sessions of their own: note them before the agent goes,
                # and kill the ones it left (only these, which this script started).
                left = descendants(self.agent.pid) if self.agent.poll() is None else []
                self._stop(self.agent, 30)
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        finally:
            try:
                self._stop(self.server, 20)
            finally:
                self.http.close()

    # --- reading the server ---------------------------------------------------------------

    def create_run(self, flow_id: str, when: datetime | None = None) -> Line:
        body: Line = {"flow_id": flow_id, "idempotency_key": f"bench-{uuid.uuid4().hex}"}
        if when is not None:
            body["scheduled_start_time"] = when.isoformat()
        return checked(self.http.post("/api/flow-runs", json=body), 201, 200)

    def run(self, run_id: str) -> Line:
        return checked(self.http.get(f"/api/flow-runs/{run_id}"), 200)

    def wait_finished(self, run_id: str, timeout: float, interval: float = 0.02) -> Line:
        return wait_until(lambda: (lambda r: r if r["state"] in FINISHED else None)(
            self.run(run_id)), timeout, interval, f"run {run_id} to finish")

    def states(self, run_id: str) -> list[Line]:
        return checked(self.http.get(f"/api/flow-runs/{run_id}/states"), 200)

    def task_runs(self, run_id: str) -> list[Line]:
        return checked(self.http.get(f"/api/flow-runs/{run_id}/task-runs"), 200)

    def log_count(self, run_id: str) -> int:
        count, cursor = 0, None
        while True:
            params: Line = {"limit": 5000}
            if cursor:
                params["cursor"] = cursor
            page = checked(self.http.get(f"/api/flow-runs/{run_id}/logs", params=params), 200)
            count += len(page["items"])
            cursor = page.get("next_cursor")
            if len(page["items"]) < 5000 or not cursor:
                return count

    def runs_of(self, flow_id: str) -> list[Line]:
        runs, cursor = [], None
        while True:
            params: Line = {"flow_id": flow_id, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = checked(self.http.get("/api/flow-runs", params=params), 200)
            runs += page["items"]
            cursor = page.get("next_cursor")
            if len(page["items"]) < 500 or not cursor:
                return runs


def state_times(states: list[Line]) -> dict[str, float]:
    """The first time the run entered each state, from its history."""
    first: dict[str, float] = {}
    for record in states:
        first.setdefault(record["state"], ts(record["timestamp"]))
    return first


# --- the cases ----------------------------------------------------------------------------------


def latency_case(stack: Stack, args: argparse.Namespace) -> Line:
    flow_id = stack.register(LATENCY_FLOW, "latency_flow.py")
    stack.start_agent()
    samples: list[Line] = []
    failed: list[str] = []
    runs_cpu = server_cpu = 0.0
    for i in range(args.runs + 1):  # the first is a warm-up
        if i == 1:
            runs_cpu, server_cpu = stack.agent_cpu_s(children=True), stack.server_cpu_s()
        wait_until(lambda: stack.agent_running() in (0, None), 60, 0.02,
                   "the agent to settle its runs")
        run = stack.create_run(flow_id, datetime.now(UTC) + timedelta(seconds=args.lead_s))
        mark = stack.marks / run["id"]
        wait_until(lambda m=mark: m.exists() and m.read_text().strip(), 120, 0.005,
                   f"run {run['id']}'s first task")
        final = stack.wait_finished(run["id"], 120)
        if final["state"] != "Success":
            failed.append(f"{run['id']}: {final['state']} {final.get('state_message')}")
        scheduled = ts(final["scheduled_start_time"])
        first_task = float(mark.read_text())
        at = state_times(stack.states(run["id"]))
        samples.append({
            "delay": first_task - scheduled,
            "claim": at.get("Submitted", float("nan")) - scheduled,
            "start": at.get("Running", float("nan")) - at.get("Submitted", float("nan")),
            "to_task": first_task - at.get("Running", float("nan")),
            "end": at.get(final["state"], float("nan")) - first_task,
        })
    wait_until(lambda: stack.agent_running() in (0, None), 60, 0.02,
               "the agent to settle its runs")
    runs_cpu = stack.agent_cpu_s(children=True) - runs_cpu
    server_cpu = stack.server_cpu_s() - server_cpu
    warm_up, measured = samples[0], samples[1:]
    delays = [s["delay"] for s in measured]
    p50, p95 = statistics.median(delays), percentile(delays, 0.95)
    breakdown = {part: spread_ms([s[part] for s in measured])
                 for part in ("claim", "start", "to_task", "end")}
    return {
        "n": len(measured), "lead_s": args.lead_s, **spread_ms(delays),
        "mean_ms": ms(statistics.fmean(delays)), "warm_up_ms": ms(warm_up["delay"]),
        "breakdown": {
            "scheduled_to_submitted": breakdown["claim"],
            "submitted_to_running": breakdown["start"],
            "running_to_first_task": breakdown["to_task"],
            "first_task_to_final_state": breakdown["end"],
        },
        "run_process_cpu_ms": ms(runs_cpu / len(measured)),
        "server_cpu_ms_per_run": ms(server_cpu / len(measured)),
        "failed": failed[:5], "n_failed": len(failed),
        "target": {"p50_ms": TARGETS["latency_p50_ms"], "p95_ms": TARGETS["latency_p95_ms"]},
        "ok": not failed and p50 * 1000 <= TARGETS["latency_p50_ms"]
        and p95 * 1000 <= TARGETS["latency_p95_ms"],
        "agent_rss_mb": stack.agent_rss_mb()[0],
    }


def baseline(stack: Stack, flow_file: Path) -> Line:
    """The flow's ``flow.run()`` in a fresh interpreter (this file as its driver): its wall
    time, final state, log lines and how many task runs it made."""
    result = stack.work / "baseline.json"
    with (stack.work / "baseline.log").open("wb") as log:  # its log lines, as a run's go
        done = subprocess.run([sys.executable, str(HERE), "--baseline-child", str(flow_file),
                               "--result", str(result)], env=stack.env(), stdout=log,
                              stderr=subprocess.STDOUT, cwd=stack.work)
    if done.returncode != 0 or not result.exists():
        raise RuntimeError(f"flow.run() baseline exited {done.returncode}: "
                           + stack.tail("baseline.log"))
    return json.loads(result.read_text())


def baseline_child(flow_file: Path, result: Path) -> None:
    from caudal.utilities.logging import get_logger

    spec = importlib.util.spec_from_file_location("bench_flow", flow_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flow = module.flow
    counted = [0]

    class Counter(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            counted[0] += 1

    counter = Counter(level=logging.INFO)
    get_logger().addHandler(counter)
    started = time.perf_counter()
    state = flow.run()
    wall_s = time.perf_counter() - started
    get_logger().removeHandler(counter)
    # Constants are data to the engine: no task run, no log line.
    from caudal.tasks.core.constants import Constant

    task_runs = 0
    for task, task_state in state.result.items():
        if not isinstance(task, Constant):
            task_runs += 1 + len(getattr(task_state, "map_states", None) or [])
    result.write_text(json.dumps({"wall_s": wall_s, "state": type(state).__name__,
                                  "log_lines": counted[0], "task_runs": task_runs,
                                  "tasks": len(flow.tasks)}))


def through_agent_case(name: str, source: str) -> Callable[[Stack, argparse.Namespace], Line]:
    def case(stack: Stack, args: argparse.Namespace) -> Line:
        size = args.sizes[name]
        text = source.format(size=size)
        flow_id = stack.register(text, f"{name}_flow.py")
        local = baseline(stack, stack.work / f"{name}_flow.py")
        stack.start_agent()
        server_cpu, run_cpu = stack.server_cpu_s(), stack.agent_cpu_s(children=True)
        created_local = time.time()
        run = stack.create_run(flow_id)
        final = stack.wait_finished(run["id"], args.timeout, interval=0.05)
        seen_final = time.time()
        server_cpu = stack.server_cpu_s() - server_cpu
        time.sleep(0.5)  # the run process exits and is reaped by its agent
        run_cpu = stack.agent_cpu_s(children=True) - run_cpu
        # Counted at once: the run must not read final before everything it reported is in.
        task_runs = stack.task_runs(run["id"])
        log_lines = stack.log_count(run["id"])
        requests = stack.requests()
        at = state_times(stack.states(run["id"]))
        ended = at.get(final["state"], float("nan"))
        running_s = ended - at.get("Running", float("nan"))
        by_state: dict[str, int] = {}
        for task_run in task_runs:
            by_state[task_run["state"]] = by_state.get(task_run["state"], 0) + 1
        final_task_runs = sum(n for s, n in by_state.items() if s in TASK_FINAL)
        # Task runs' end times are the run process's own clock: when the engine was done.
        task_ends = [ts(t["end_time"]) for t in task_runs if t.get("end_time")]
        task_starts = [ts(t["start_time"]) for t in task_runs if t.get("start_time")]
        complete = (final_task_runs == len(task_runs) == local["task_runs"]
                    and log_lines >= local["log_lines"])
        line: Line = {
            "size": size, "state": final["state"],
            **({} if final["state"] == "Success" else {"state_message": final["state_message"]}),
            "agent_running_to_final_s": round(running_s, 3),
            "agent_running_to_first_task_start_s": round(
                min(task_starts, default=float("nan")) - at.get("Running", float("nan")), 3),
            "agent_running_to_last_task_end_s": round(max(task_ends, default=float("nan"))
                                                      - at.get("Running", float("nan")), 3),
            "agent_created_to_final_s": round(ended - ts(final["created"]), 3),
            "agent_created_to_final_seen_s": round(seen_final - created_local, 3),
            "agent_created_to_running_s": round(at.get("Running", float("nan"))
                                                - ts(final["created"]), 3),
            "server_cpu_s": round(server_cpu, 2), "run_process_cpu_s": round(run_cpu, 2),
            "flow_run_s": round(local["wall_s"], 3), "flow_run_state": local["state"],
            "ratio": round(running_s / local["wall_s"], 2),
            "task_runs": len(task_runs), "task_runs_final": final_task_runs,
            "task_runs_expected": local["task_runs"], "task_run_states": by_state,
            "log_lines": log_lines, "log_lines_flow_run": local["log_lines"],
            "complete": complete,
            "batch_requests": {"task_run_states": requests.get("POST /api/task-runs/states", 0),
                               "logs": requests.get("POST /api/logs", 0)},
            "target_ratio": TARGETS["agent_over_flow_run"],
            "ok": final["state"] == "Success" and complete
            and running_s / local["wall_s"] <= TARGETS["agent_over_flow_run"],
        }
        if not complete:  # did the rest arrive later?
            time.sleep(3)
            line["task_runs_after_3s"] = len(stack.task_runs(run["id"]))
            line["log_lines_after_3s"] = stack.log_count(run["id"])
        return line

    return case


def throughput_case(stack: Stack, args: argparse.Namespace) -> Line:
    flow_id = stack.register(TRIVIAL_FLOW, "trivial_flow.py")
    n = args.throughput_runs
    run_ids = {stack.create_run(flow_id)["id"] for _ in range(n)}
    samples: list[tuple[float, int]] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.25):
            if stack.agent is not None:
                samples.append((time.time(), tree_rss_kb(stack.agent.pid)))

    server_cpu = stack.server_cpu_s()
    stack.start_agent("--limit", str(args.limit))
    idle_rss, _ = stack.agent_rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        def all_finished() -> list[Line] | None:
            runs = [r for r in stack.runs_of(flow_id) if r["id"] in run_ids]
            return runs if sum(r["state"] in FINISHED for r in runs) == n else None

        runs = wait_until(all_finished, args.timeout, 0.5, f"{n} runs to finish")
        wait_until(lambda: stack.agent_running() in (0, None), 60, 0.05,
                   "the agent to settle its runs")
    finally:
        sampling.set()
        sampler.join(timeout=5)
    end_rss, peak_rss = stack.agent_rss_mb()
    runs_cpu, agent_cpu = stack.agent_cpu_s(children=True), stack.agent_cpu_s()
    server_cpu = stack.server_cpu_s() - server_cpu
    ends = sorted(ts(r["end_time"] or r["state_timestamp"]) for r in runs)
    lo, hi = round(0.1 * (n - 1)), round(0.9 * (n - 1))
    steady_s = ends[hi] - ends[lo]
    first_start = stack.agent_registered_at
    states: dict[str, int] = {}
    for r in runs:
        states[r["state"]] = states.get(r["state"], 0) + 1
    return {
        "n": n, "limit": args.limit, "states": states,
        "runs_per_min": round((hi - lo) / steady_s * 60, 1) if steady_s > 0 else None,
        "runs_per_min_overall": round(n / (ends[-1] - first_start) * 60, 1),
        "first_finished_s": round(ends[0] - first_start, 3),
        "all_finished_s": round(ends[-1] - first_start, 3),
        "cpu_ms_per_run": {"run_process": ms(runs_cpu / n), "agent": ms(agent_cpu / n),
                           "server": ms(server_cpu / n)},
        "agent_rss_mb_idle": idle_rss, "agent_rss_mb_peak": peak_rss,
        "agent_rss_mb_end": end_rss,
        "agent_and_runs_rss_mb_peak": round(max((kb for _, kb in samples), default=0) / 1024, 1),
        "target": "none stated (rate and memory reported)",
    }


CASE_FUNCTIONS: dict[str, Callable[[Stack, argparse.Namespace], Line]] = {
    "latency": latency_case,
    "chain": through_agent_case("chain", CHAIN_FLOW),
    "map": through_agent_case("map", MAP_FLOW),
    "throughput": throughput_case,
}


# --- command line -------------------------------------------------------------------------------


def parse_sizes(text: str) -> dict[str, int]:
    """'map=1000,chain=10' -> the default sizes with those two replaced."""
    sizes = dict(DEFAULT_SIZES)
    for item in filter(None, text.split(",")):
        case, _, number = item.partition("=")
        if case not in sizes or not number.isdigit():
            raise argparse.ArgumentTypeError(f"'{item}' is not CASE=N with CASE in "
                                             f"{tuple(DEFAULT_SIZES)}")
        sizes[case] = int(number)
    return sizes


def parse_cases(text: str) -> list[str]:
    cases = [case.strip() for case in text.split(",") if case.strip()]
    unknown = [case for case in cases if case not in CASES]
    if unknown or not cases:
        raise argparse.ArgumentTypeError(f"unknown case(s) {unknown}; choose from {CASES}")
    return cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=parse_cases, default=list(CASES),
                        help=f"comma-separated subset of {','.join(CASES)} (default: all)")
    parser.add_argument("--runs", type=int, default=50,
                        help="latency: measured runs, after one warm-up (default: 50)")
    parser.add_argument("--lead-s", type=float, default=1.0,
                        help="latency: each run is due this long after it is created "
                             "(default: 1.0)")
    parser.add_argument("--sizes", type=parse_sizes, default=dict(DEFAULT_SIZES),
                        help="chain and map sizes, e.g. chain=100,map=500 "
                             "(default: chain=1000,map=10000)")
    parser.add_argument("--throughput-runs", type=int, default=200,
                        help="throughput: runs created before the agent starts (default: 200)")
    parser.add_argument("--limit", type=int, default=8,
                        help="throughput: the agent's --limit (default: 8)")
    parser.add_argument("--database-url", default=None,
                        help="default: a temporary SQLite file per case; a postgresql+psycopg "
                             "URL gets a fresh schema per case")
    parser.add_argument("--pyc", choices=("cache", "inherit"), default="cache",
                        help="cache (default): the children write and use bytecode caches in a "
                             "temporary folder (PYTHONPYCACHEPREFIX), as an installed caudal "
                             "has them, whatever PYTHONDONTWRITEBYTECODE says; inherit: the "
                             "children get this environment as it is")
    parser.add_argument("--agent-env", action="append", default=[], metavar="KEY=VALUE",
                        help="a variable for the agent and its runs (repeat), e.g. "
                             "CAUDAL__AGENT__WARM_PROCESSES=0")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds a case's runs may take before it gives up (default: 600)")
    # The flow.run() child's side; not for people.
    parser.add_argument("--baseline-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_child:
        baseline_child(args.baseline_child, args.result)
        return 0
    for pair in args.agent_env:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--agent-env '{pair}' is not KEY=VALUE")
        Stack.agent_env[key] = value
    common = {"python": platform.python_version(), "cpus": os.cpu_count(), "pyc": args.pyc,
              **({"agent_env": Stack.agent_env} if Stack.agent_env else {}), **source_tree()}
    with tempfile.TemporaryDirectory(prefix="bench-agent-pyc-") as pycache:
        if args.pyc == "cache":
            Stack.pycache = pycache
            warm_bytecode()
        return run_cases(args, common)


def run_cases(args: argparse.Namespace, common: Line) -> int:
    failures = 0
    for case in args.cases:
        with tempfile.TemporaryDirectory(prefix=f"bench-agent-{case}-") as folder:
            work = Path(folder)
            line: Line = {"case": case}
            try:
                with fresh_database(args.database_url, work) as (url, database):
                    line["database"] = database
                    line["load_1m_before"] = round(os.getloadavg()[0], 2)
                    with Stack(url, work, access_log=case in ("chain", "map")) as stack:
                        try:
                            line.update(CASE_FUNCTIONS[case](stack, args))
                        except Exception:
                            line["agent_log_tail"] = stack.tail("agent.log", 1500)
                            raise
            except Exception as exc:  # report it and go on with the other cases
                line["error"] = f"{type(exc).__name__}: {exc}"[:3000]
            failures += "error" in line
            print(json.dumps({**line, **common}), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
