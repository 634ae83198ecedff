"""``caudal execute flow-run ID`` by hand, against a real server: what a run process does
without an agent around it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fixtures_agent import agent_env, caudal, register_flow_file, wait_until

CONTEXT_FLOW = '''
import json
import os
import caudal
from caudal import Flow, Parameter, task


@task
def record(n):
    keys = ("flow_run_id", "flow_id", "flow_run_name", "project_name", "running_with_backend",
            "checkpointing", "parameters", "scheduled_start_time", "flow_name")
    with open(os.environ["CONTEXT_FILE"], "w") as handle:
        json.dump({k: caudal.context.get(k) for k in keys}, handle, default=str)
    return n * 2


@task
def fail(x):
    raise ValueError(f"cannot use {x}")


with Flow("context") as flow:
    n = Parameter("n", default=1)
    fail(record(n))
'''


def _execute(url: str, run_id: str, env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caudal", "execute", "flow-run", run_id,
                           "--api", url], capture_output=True, text=True, timeout=timeout,
                          env=agent_env(env))


def _create(url: str, flow_name: str, **extra: object) -> dict:
    response = httpx.post(f"{url}/api/flow-runs", json={"flow_name": flow_name, **extra},
                          timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_run_executed_by_hand_gets_its_context_and_ends_in_the_flows_state(
        api: httpx.Client, server_url: str, tmp_path: Path) -> None:
    register_flow_file(server_url, tmp_path, CONTEXT_FLOW)
    run = _create(server_url, "context", parameters={"n": 21})
    context_file = tmp_path / "context.json"

    done = _execute(server_url, run["id"], {"CONTEXT_FILE": str(context_file)})

    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(context_file.read_text())
    assert seen["flow_run_id"] == run["id"]
    assert seen["flow_id"] == run["flow_id"]
    assert seen["flow_run_name"] == run["name"]
    assert seen["project_name"] == "tests"
    assert seen["running_with_backend"] is True
    assert seen["checkpointing"] is True
    assert seen["parameters"] == {"n": 21}
    assert seen["scheduled_start_time"].startswith(run["scheduled_start_time"][:19].replace(
        "T", " "))
    final = api.get(f"/api/flow-runs/{run['id']}").json()
    assert (final["state"], final["state_message"]) == ("Failed", "Some reference tasks failed.")
    task_runs = {t["task_name"]: t for t in
                 api.get(f"/api/flow-runs/{run['id']}/task-runs").json()}
    assert task_runs["record"]["state"] == "Success"
    assert task_runs["fail"]["state"] == "Failed"
    assert "cannot use 42" in task_runs["fail"]["state_message"]
    logs = "\n".join(line["message"] for line in
                     api.get(f"/api/flow-runs/{run['id']}/logs").json()["items"])
    assert "ValueError: cannot use 42" in logs  # the traceback reached the server


def test_a_run_cancelled_before_it_starts_never_starts(
        api: httpx.Client, server_url: str, tmp_path: Path) -> None:
    register_flow_file(server_url, tmp_path, CONTEXT_FLOW)
    run = _create(server_url, "context")
    api.post(f"/api/flow-runs/{run['id']}/cancel").raise_for_status()
    context_file = tmp_path / "context.json"

    done = _execute(server_url, run["id"], {"CONTEXT_FILE": str(context_file)})

    assert done.returncode == 0, done.stderr
    assert "is Cancelled; there is nothing to run" in done.stdout
    assert not context_file.exists()
    states = [s["state"] for s in api.get(f"/api/flow-runs/{run['id']}/states").json()]
    assert states == ["Scheduled", "Cancelled"]


def test_a_run_executed_by_hand_stops_its_children_and_ends_cancelled_when_cancelled(
        api: httpx.Client, server_url: str, tmp_path: Path) -> None:
    from caudal.utilities.processes import alive

    register_flow_file(server_url, tmp_path, '''
        import os
        import subprocess
        import sys
        import time
        from caudal import Flow, task

        @task
        def wait():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
            with open(os.environ["PID_FILE"], "w") as handle:
                handle.write(str(child.pid))
            time.sleep(300)

        with Flow("long") as flow:
            wait()
    ''')
    run = _create(server_url, "long")
    pid_file = tmp_path / "pid"
    process = subprocess.Popen([sys.executable, "-m", "caudal", "execute", "flow-run",
                                run["id"], "--api", server_url],
                               env=agent_env({"PID_FILE": str(pid_file)}),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text(), timeout=60,
                   what="the task's child process")
        child = int(pid_file.read_text())
        cancelled = caudal(server_url, "runs", "cancel", run["id"])
        assert cancelled.returncode == 0, cancelled.stderr
        started = time.monotonic()
        code = process.wait(timeout=60)
        waited = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()

    assert code != 0
    assert waited < 30  # seen within a heartbeat, not left to the reaper
    assert not alive(child)
    final = api.get(f"/api/flow-runs/{run['id']}").json()
    assert (final["state"], final["state_message"]) == (
        "Cancelled", "Cancelled: the run's processes were stopped.")
