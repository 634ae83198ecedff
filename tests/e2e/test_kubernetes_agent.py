"""The Kubernetes agent end to end: a real server process, ``caudal agent kubernetes start``
as a real process, and the Kubernetes API stand-in (tests/fixtures_kubernetes.py), whose
kubelet runs each pod's ``caudal execute flow-run`` as a real process reporting to the
server. No cluster runs here: what a cluster adds (scheduling, images, nodes) is not tested.

One agent takes four runs at once: one succeeds (its job carries the run config's image,
variables and resources, and is kept, as ``--disable-job-deletion`` asks), one is killed by
the out-of-memory killer (the run fails with the pod's reason), one names an image that
cannot be pulled (the run fails at once, its job is deleted), and one is cancelled while it
runs (its job is deleted and its pod's process stopped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures_agent import AgentProcess, caudal, register_flow_file, wait_until
from fixtures_kubernetes import IMAGE, KubeAPI

pytestmark = pytest.mark.timeout(300)

FLOWS = f'''
import os
import time
from pathlib import Path

from caudal import Flow, Parameter, task
from caudal.run_configs import KubernetesRun
from caudal.storage import Local


@task(log_stdout=True)
def hello():
    print("hello from pod", os.environ["HOSTNAME"], "greeting", os.environ["GREETING"])
    return os.environ["GREETING"]


@task
def wait_for(path):
    Path(path).with_suffix(".started").write_text(os.environ["HOSTNAME"])
    deadline = time.monotonic() + 120
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def k8s(**kwargs):
    return KubernetesRun(labels=["k8s"], **kwargs)


storage = Local(add_default_labels=False)

with Flow("k8s hello", storage=storage,
          run_config=k8s(image={IMAGE!r}, env={{"GREETING": "ola"}}, cpu_request="250m",
                         memory_limit="512Mi", service_account_name="etl")) as hello_flow:
    hello()

with Flow("k8s waits", storage=storage, run_config=k8s(image={IMAGE!r})) as waits_flow:
    wait_for(Parameter("path"))

with Flow("k8s no image", storage=storage,
          run_config=k8s(image="registry.example/etl:404")) as no_image_flow:
    hello()
'''


def _run(api: httpx.Client, run_id: str) -> dict[str, Any]:
    return api.get(f"/api/flow-runs/{run_id}").json()


def _finished(api: httpx.Client, run_id: str) -> dict[str, Any] | None:
    run = _run(api, run_id)
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def _start(url: str, flow: str, *params: str) -> str:
    created = caudal(url, "run", "--name", flow, *params)
    assert created.returncode == 0, created.stderr
    return created.stdout.split("ID: ")[1].split()[0]


def _job_of(kube_api: KubeAPI, run_id: str) -> str | None:
    for job in kube_api.created:
        if job["metadata"]["labels"]["caudal.io/flow-run-id"] == run_id:
            return str(job["metadata"]["name"])
    return None


def test_the_kubernetes_agent_runs_fails_and_cancels_jobs(server_process, kube_api: KubeAPI,
                                                           tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, FLOWS)
    oom, cancel = tmp_path / "oom", tmp_path / "cancel"

    with AgentProcess(url, "--label", "k8s", "--disable-job-deletion",
                      command=("agent", "kubernetes", "start")) as agent:
        hello = _start(url, "k8s hello")
        killed = _start(url, "k8s waits", "--param", f"path={oom}")
        cancelled = _start(url, "k8s waits", "--param", f"path={cancel}")
        no_image = _start(url, "k8s no image")

        # Both waiting runs are Running in their pods.
        wait_until(lambda: oom.with_suffix(".started").exists()
                   and cancel.with_suffix(".started").exists(), timeout=90,
                   what="both waiting runs to start")
        kube_api.oom_kill(oom.with_suffix(".started").read_text())
        cancelling = caudal(url, "runs", "cancel", cancelled)
        assert cancelling.returncode == 0, cancelling.stderr

        ended = {run_id: wait_until(lambda r=run_id: _finished(api, r), timeout=120,
                                    what=f"run {run_id} to end")
                 for run_id in (hello, killed, cancelled, no_image)}
        jobs = {run_id: _job_of(kube_api, run_id) for run_id in ended}
        # The deletions the agent asked for are done.
        wait_until(lambda: jobs[cancelled] not in kube_api.jobs()
                   and jobs[no_image] not in kube_api.jobs(), timeout=30,
                   what="the cancelled and unpullable jobs to be deleted")
        agent_output = agent.output

    assert ended[hello]["state"] == "Success", ended[hello]["state_message"]
    logs = [line["message"] for line in
            api.get(f"/api/flow-runs/{hello}/logs", params={"limit": 500}).json()["items"]]
    assert any(m.startswith(f"hello from pod {jobs[hello]}-") and m.endswith("greeting ola")
               for m in logs), logs
    posted = next(j for j in kube_api.created if j["metadata"]["name"] == jobs[hello])
    pod_spec = posted["spec"]["template"]["spec"]
    container = pod_spec["containers"][0]
    assert container["image"] == IMAGE
    assert container["args"] == ["caudal", "execute", "flow-run", hello]
    assert container["resources"] == {"requests": {"cpu": "250m"},
                                      "limits": {"memory": "512Mi"}}
    assert pod_spec["serviceAccountName"] == "etl"
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["GREETING"] == "ola" and env["CAUDAL_API"] == url
    # Kept, as --disable-job-deletion asks.
    assert kube_api.jobs()[jobs[hello]]["status"]["succeeded"] == 1

    assert ended[killed]["state"] == "Failed"
    message = ended[killed]["state_message"]
    assert f"its Kubernetes job '{jobs[killed]}' failed: pod '{jobs[killed]}-" in message
    assert "ended OOMKilled (exit code 137)" in message and "while it was running" in message

    assert ended[no_image]["state"] == "Failed"
    message = ended[no_image]["state_message"]
    assert f"its Kubernetes job '{jobs[no_image]}' could not start" in message
    assert 'ImagePullBackOff: Back-off pulling image "registry.example/etl:404"' in message

    assert ended[cancelled]["state"] == "Cancelled"
    assert not kube_api.pods(jobs[cancelled])
    cancelled_pods = [name for name in kube_api.processes if name.startswith(jobs[cancelled])]
    assert cancelled_pods and all(kube_api.processes[p].poll() is not None
                                  for p in cancelled_pods)
    assert "registered" in agent_output
