"""A task's timeout in a backend run on threads (``caudal execute flow-run``, a real server):
the task runs in a process of its own, and its log lines still reach the server under its
own task run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from fixtures_agent import agent_env, register_flow_file

FLOW = '''
import os
import time
import caudal
from caudal import Flow, task
from caudal.executors import LocalDaskExecutor


@task(timeout=30)
def load(table):
    caudal.context.logger.info("loading %s in process %d", table, os.getpid())
    return table.upper()


@task(timeout=30, log_stdout=True)
def report(tables):
    print(f"loaded {', '.join(tables)}")


@task(timeout=1)
def stuck():
    time.sleep(3)
    open(os.environ["LATE_FILE"], "w").write("too late")


with Flow("timeouts-on-threads", executor=LocalDaskExecutor("threads", num_workers=4)) as flow:
    report(load.map(["users", "orders"]))
    stuck()
'''


def test_backend_run_on_threads_times_out_and_keeps_the_task_log_lines(
        api: httpx.Client, server_url: str, tmp_path: Path) -> None:
    register_flow_file(server_url, tmp_path, FLOW)
    response = httpx.post(f"{server_url}/api/flow-runs",
                          json={"flow_name": "timeouts-on-threads"}, timeout=30)
    assert response.status_code == 201, response.text
    run = response.json()
    late_file = tmp_path / "late"

    done = subprocess.run([sys.executable, "-m", "caudal", "execute", "flow-run", run["id"],
                           "--api", server_url], capture_output=True, text=True, timeout=120,
                          env=agent_env({"LATE_FILE": str(late_file)}))

    assert done.returncode == 0, done.stdout + done.stderr
    task_runs = {(t["task_name"], t["map_index"]): t["state"] for t in
                 api.get(f"/api/flow-runs/{run['id']}/task-runs").json()}
    assert task_runs[("stuck", -1)] == "TimedOut"
    assert task_runs[("load", 0)] == task_runs[("load", 1)] == "Success"
    lines = api.get(f"/api/flow-runs/{run['id']}/logs").json()["items"]
    loading = [line for line in lines if line["message"].startswith("loading ")]
    assert sorted((line["task_slug"], line["map_index"], line["message"].split(" in ")[0])
                  for line in loading) == [("load-1", 0, "loading users"),
                                           ("load-1", 1, "loading orders")]
    printed = [(line["task_slug"], line["message"]) for line in lines
               if line["message"].startswith("loaded ")]
    assert printed == [("report-1", "loaded USERS, ORDERS")]
    time.sleep(2.5)
    assert not late_file.exists()
