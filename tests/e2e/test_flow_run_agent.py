"""``flow.run_agent()``: a flow script starts a local agent for its own runs, as Prefect 0.15
scripts do, and the agent runs the flow's run to Success against a real server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures_agent import agent_env, caudal, register_flow_file, wait_until

pytestmark = pytest.mark.timeout(300)

FLOW = '''
from caudal import Flow, Parameter, task
from caudal.run_configs import LocalRun


@task(log_stdout=True)
def greet(who):
    print("hello", who)


with Flow("run agent", run_config=LocalRun(labels=["etl"])) as flow:
    greet(Parameter("who", default="from run_agent"))
'''

# The flow file runs the agent for its flow; max_runs=1 makes it return once that run ends.
RUN_AGENT = '''
import runpy, sys
flow = runpy.run_path(sys.argv[1])["flow"]
flow.run_agent(max_runs=1)
'''


def test_run_agent_takes_and_runs_the_flows_run(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    path = register_flow_file(url, tmp_path, FLOW)
    created = caudal(url, "run", "--name", "run agent")
    assert created.returncode == 0, created.stderr
    run_id = created.stdout.split("ID: ")[1].split()[0]

    agent = subprocess.Popen([sys.executable, "-c", RUN_AGENT, str(path)],
                             env=agent_env({"CAUDAL_API": url}), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = agent.communicate(timeout=120)
    finally:
        agent.kill()

    assert agent.returncode == 0, output
    run: dict[str, Any] = wait_until(lambda: api.get(f"/api/flow-runs/{run_id}").json(),
                                     timeout=10)
    assert run["state"] == "Success", (run["state_message"], output)
    logs = api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 200}).json()["items"]
    assert "hello from run_agent" in [line["message"] for line in logs]
    agents = api.get("/api/agents").json()
    assert [a["agent_type"] for a in agents] == ["LocalAgent"]
    assert "etl" in agents[0]["labels"]
