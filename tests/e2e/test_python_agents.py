"""``LocalAgent`` and ``KubernetesAgent`` started from Python, as Prefect 0.15 scripts start
their agents: each takes a run of its labels and runs it to Success, against a real server
(and, for Kubernetes, the API stand-in whose kubelet runs pods as real processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures_agent import agent_env, caudal, register_flow_file, wait_until
from fixtures_kubernetes import IMAGE, KubeAPI

pytestmark = pytest.mark.timeout(300)

FLOWS = f'''
from caudal import Flow, task
from caudal.run_configs import KubernetesRun, LocalRun
from caudal.storage import Local


@task(log_stdout=True)
def hello(where):
    print("hello from", where)


storage = Local(add_default_labels=False)
with Flow("py local", storage=storage, run_config=LocalRun(labels=["py-local"])) as local:
    hello("a local process")
with Flow("py k8s", storage=storage,
          run_config=KubernetesRun(image={IMAGE!r}, labels=["py-k8s"])) as k8s:
    hello("a pod")
'''


def _agent(script: str, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", script], env=agent_env({"CAUDAL_API": url}),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _logs(api: httpx.Client, run_id: str) -> list[str]:
    items = api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 200}).json()["items"]
    return [line["message"] for line in items]


@pytest.mark.parametrize(("flow", "script", "where"), [
    ("py local", "from caudal.agent import LocalAgent\n"
                 "LocalAgent(name='py-local', labels=['py-local'], hostname_label=False)"
                 ".start(max_runs=1)", "a local process"),
    ("py k8s", "from caudal.agent.kubernetes import KubernetesAgent\n"
               "KubernetesAgent(name='py-k8s', labels=['py-k8s'], namespace='default')"
               ".start(max_runs=1)", "a pod"),
])
def test_an_agent_started_from_python_runs_a_flow(server_process, kube_api: KubeAPI,
                                                  tmp_path: Path, flow: str, script: str,
                                                  where: str) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, FLOWS)
    created = caudal(url, "run", "--name", flow)
    assert created.returncode == 0, created.stderr
    run_id = created.stdout.split("ID: ")[1].split()[0]

    agent = _agent(script, url)
    try:
        output, _ = agent.communicate(timeout=120)
    finally:
        agent.kill()

    assert agent.returncode == 0, output
    run: dict[str, Any] = wait_until(
        lambda: api.get(f"/api/flow-runs/{run_id}").json(), timeout=10)
    assert run["state"] == "Success", (run["state_message"], output)
    assert f"hello from {where}" in _logs(api, run_id)
    agents = {a["name"]: a for a in api.get("/api/agents").json()}
    expected = "LocalAgent" if flow == "py local" else "KubernetesAgent"
    assert agents[flow.replace(" ", "-")]["agent_type"] == expected
    assert bool(kube_api.created) == (flow == "py k8s")
