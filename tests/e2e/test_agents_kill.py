"""Nothing is lost when a process is killed with kill -9: counted, on both databases.

Real processes throughout (a ``caudal server start`` process, a ``caudal agent start``
process, and the run's own ``caudal execute flow-run`` process), and every numbered log line
a run wrote is counted on the server:

- the run's process killed mid-run: its agent fails the run at once, saying it was killed
  by SIGKILL, and every line the process logged before it died is on the server, once;
- the server killed mid-run and started again 5 s later on the same port: the run finishes
  Success, every log line and task-run state is stored once, and the run's history is
  Running then Success, once;
- the agent killed mid-run: the run's process (a session of its own) outlives it, finishes
  and reports everything itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx

from fixtures_agent import AgentProcess, caudal, register_flow_file, wait_until
from fixtures_server import ServerProcess

NUMBERED = re.compile(r"numbered line (\d+)")

DIES_FLOW = '''
import os
import time

import caudal
from caudal import Flow, task


@task
def talk_then_hang():
    for i in range({lines}):
        caudal.context.logger.info("numbered line %d", i)
    # The task runs in the run's process (LocalExecutor): this is the pid to kill.
    with open(os.environ["PID_FILE"] + ".new", "w") as handle:
        handle.write(str(os.getpid()))
    os.replace(os.environ["PID_FILE"] + ".new", os.environ["PID_FILE"])
    time.sleep(300)


with Flow("dies") as flow:
    talk_then_hang()
'''

STEPS_FLOW = '''
import os
import time

import caudal
from caudal import Flow, task


@task
def step(i):
    if i == 0:
        with open(os.environ["PID_FILE"] + ".new", "w") as handle:
            handle.write(str(os.getpid()))
        os.replace(os.environ["PID_FILE"] + ".new", os.environ["PID_FILE"])
    caudal.context.logger.info("numbered line %d", i)
    time.sleep({pause})
    return i


@task
def total(values):
    caudal.context.logger.info("total %d", sum(values))
    return sum(values)


with Flow("{name}") as flow:
    total(step.map(list(range({items}))))
'''


def _run(api: httpx.Client, run_id: str) -> dict:
    return api.get(f"/api/flow-runs/{run_id}").json()


def _finished(api: httpx.Client, run_id: str) -> dict | None:
    run = _run(api, run_id)
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def _logs(api: httpx.Client, run_id: str) -> list[dict]:
    """Every log line of the run, page by page."""
    lines: list[dict] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = api.get(f"/api/flow-runs/{run_id}/logs", params=params).json()
        if not page["items"]:
            return lines
        lines.extend(page["items"])
        cursor = page["next_cursor"]


def _numbered(api: httpx.Client, run_id: str) -> Counter[int]:
    """How many times each numbered line is on the server."""
    found: Counter[int] = Counter()
    for line in _logs(api, run_id):
        matched = NUMBERED.fullmatch(line["message"])
        if matched:
            found[int(matched.group(1))] += 1
    return found


def _count_report(found: Counter[int], expected: int) -> dict[str, object]:
    """A short comparison: missing and duplicated line numbers (the first few of each)."""
    return {"distinct": len(found), "total": sum(found.values()),
            "missing": [i for i in range(expected) if not found[i]][:10],
            "duplicated": sorted(i for i, n in found.items() if n > 1)[:10],
            "unexpected": sorted(i for i in found if not 0 <= i < expected)[:10]}


def _all_once(expected: int) -> dict[str, object]:
    return {"distinct": expected, "total": expected, "missing": [], "duplicated": [],
            "unexpected": []}


def _history(api: httpx.Client, run_id: str) -> list[str]:
    return [s["state"] for s in api.get(f"/api/flow-runs/{run_id}/states").json()]


def _task_state_histories(database_url: str, run_id: str) -> dict[tuple[str, int], list[str]]:
    """Every task run's stored state history (from the database: the API has only the last)."""
    from sqlalchemy import text

    from caudal.server.db.engine import Database

    db = Database(database_url)
    try:
        with db.read() as conn:
            rows = conn.execute(text(
                "SELECT t.task_name, t.map_index, s.state FROM task_run_states s "
                "JOIN task_runs t ON t.id = s.task_run_id WHERE t.flow_run_id = :run "
                "ORDER BY s.id"), {"run": run_id}).all()
    finally:
        db.dispose()
    histories: dict[tuple[str, int], list[str]] = {}
    for name, map_index, state in rows:
        histories.setdefault((name, map_index), []).append(state)
    return histories


def _create_run(url: str, flow_name: str) -> str:
    created = caudal(url, "run", "--name", flow_name)
    assert created.returncode == 0, created.stderr
    return created.stdout.split("ID: ")[1].split()[0]


def _state_time(api: httpx.Client, run_id: str, state: str) -> float:
    (record,) = [s for s in api.get(f"/api/flow-runs/{run_id}/states").json()
                 if s["state"] == state]
    return dt.datetime.fromisoformat(record["timestamp"]).timestamp()


@contextlib.contextmanager
def _no_leftover_run_process(pid_file: Path) -> Iterator[None]:
    """On the way out, kill the run's process if it is still there (a failed test)."""
    from caudal.utilities.processes import alive

    try:
        yield
    finally:
        try:
            pid = int(pid_file.read_text())
        except (OSError, ValueError):
            pid = None
        if pid is not None and alive(pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                command = b""
            if b"flow-run" in command:
                os.kill(pid, signal.SIGKILL)


# --- (a) the run's process --------------------------------------------------------------------



def _assert_every_step_succeeded(api: httpx.Client, run_id: str, items: int) -> None:
    """Every mapped child of 'step' is on the server, Success, and so are its parent (Mapped)
    and 'total'."""
    task_runs = api.get(f"/api/flow-runs/{run_id}/task-runs").json()
    children = [t for t in task_runs if t["task_name"] == "step" and t["map_index"] >= 0]
    assert sorted(t["map_index"] for t in children) == list(range(items))
    assert Counter(t["state"] for t in children) == {"Success": items}
    assert {t["task_name"]: t["state"] for t in task_runs
            if t["map_index"] < 0} == {"step": "Mapped", "total": "Success"}

def test_a_run_process_killed_mid_run_is_failed_at_once_and_keeps_every_line(
        server_process, tmp_path: Path) -> None:
    lines = 200
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, DIES_FLOW.format(lines=lines))
    pid_file = tmp_path / "run.pid"

    with _no_leftover_run_process(pid_file), \
            AgentProcess(url, env={"PID_FILE": str(pid_file)}):
        run_id = _create_run(url, "dies")
        wait_until(lambda: pid_file.exists(), timeout=90, what="the task to log its lines")
        assert _run(api, run_id)["state"] == "Running"
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        killed_at = time.monotonic()
        run = wait_until(lambda: _finished(api, run_id), timeout=60, interval=0.05,
                         what="the agent to fail the killed run")
        failed_after = time.monotonic() - killed_at

    assert run["state"] == "Failed", run
    # The agent saw it die (the reaper would wait for 90 s of silent heartbeats).
    assert failed_after < 30, failed_after
    assert "killed by SIGKILL" in run["state_message"], run["state_message"]
    assert "while it was running" in run["state_message"], run["state_message"]
    assert _history(api, run_id) == ["Scheduled", "Submitted", "Running", "Failed"]
    assert _count_report(_numbered(api, run_id), lines) == _all_once(lines)
    # The reason is also in the run's logs.
    assert any("killed by SIGKILL" in line["message"] and line["level"] == 40
               for line in _logs(api, run_id))


# --- (b) the server ---------------------------------------------------------------------------


def test_a_server_killed_mid_run_and_restarted_loses_and_doubles_nothing(
        database_url: str, tmp_path: Path) -> None:
    items = 40
    pid_file = tmp_path / "run.pid"
    # The agent stops before the servers, and the run's process last.
    with _no_leftover_run_process(pid_file), contextlib.ExitStack() as servers, \
            contextlib.ExitStack() as agents:
        first = servers.enter_context(ServerProcess(database_url))
        url = first.url
        api = servers.enter_context(httpx.Client(base_url=url, timeout=30))
        register_flow_file(url, tmp_path, STEPS_FLOW.format(name="through-restart",
                                                             items=items, pause=0.25))
        agent = agents.enter_context(AgentProcess(url, env={"PID_FILE": str(pid_file)}))
        run_id = _create_run(url, "through-restart")

        # Mid-run: some of its lines are on the server, not all.
        shipped = wait_until(lambda: (n := len(_numbered(api, run_id))) >= 3 and n,
                             timeout=90, interval=0.05, what="the run's first lines")
        state_before = _run(api, run_id)["state"]
        first.process.kill()
        killed_at = time.time()
        first.process.wait(timeout=10)
        assert state_before == "Running"
        assert shipped < items, shipped

        time.sleep(5)
        servers.enter_context(ServerProcess(database_url, port=first.port))
        run = wait_until(lambda: _finished(api, run_id), timeout=120, interval=0.2,
                         what="the run to finish after the server's restart")

        assert run["state"] == "Success", run
        # It ended after the kill: the kill landed while it was running.
        assert _state_time(api, run_id, "Success") > killed_at
        assert _history(api, run_id) == ["Scheduled", "Submitted", "Running", "Success"]
        assert _count_report(_numbered(api, run_id), items) == _all_once(items)

        _assert_every_step_succeeded(api, run_id, items)
        # Every task-run state stored once: all children went through the same states,
        # and no task run through one state twice.
        histories = _task_state_histories(database_url, run_id)
        shapes = Counter(tuple(h) for (name, index), h in histories.items() if name == "step"
                         and index >= 0)
        assert len(shapes) == 1 and sum(shapes.values()) == items, shapes
        repeated = {key: h for key, h in histories.items() if len(set(h)) != len(h)}
        assert list(repeated.items())[:3] == []
        # The agent lived through its server's death.
        assert agent.process.poll() is None


# --- (c) the agent ----------------------------------------------------------------------------


def test_an_agent_killed_mid_run_leaves_its_run_to_finish_and_report(
        server_process, tmp_path: Path) -> None:
    items = 24
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, STEPS_FLOW.format(name="orphaned", items=items,
                                                        pause=0.25))
    pid_file = tmp_path / "run.pid"

    with _no_leftover_run_process(pid_file), \
            AgentProcess(url, env={"PID_FILE": str(pid_file)}) as agent:
        run_id = _create_run(url, "orphaned")
        shipped = wait_until(lambda: (n := len(_numbered(api, run_id))) >= 3 and n,
                             timeout=90, interval=0.05, what="the run's first lines")
        agent.kill()
        killed_at = time.time()
        assert _run(api, run_id)["state"] == "Running"
        assert shipped < items, shipped
        run = wait_until(lambda: _finished(api, run_id), timeout=90, interval=0.2,
                         what="the orphaned run to finish")

    assert run["state"] == "Success", run
    assert _state_time(api, run_id, "Success") > killed_at
    assert _history(api, run_id) == ["Scheduled", "Submitted", "Running", "Success"]
    assert _count_report(_numbered(api, run_id), items) == _all_once(items)
    _assert_every_step_succeeded(api, run_id, items)
    # The run's process sent everything itself and exited: nothing waits in its spool.
    from caudal.utilities.processes import alive

    pid = int(pid_file.read_text())
    wait_until(lambda: not alive(pid), timeout=30, what="the run's process to exit")
    spool = Path(os.environ["CAUDAL_HOME"]) / "spool" / run_id
    assert not spool.exists(), sorted(os.listdir(spool))
