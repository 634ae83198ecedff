"""The Kubernetes launcher against the Kubernetes API stand-in: the job it creates, how a
job's end reads in its run's state message, and the jobs it deletes.

The stand-in's kubelet runs each pod's container as a real process; a job template's
``command`` (``sh -c ...``) stands in for the flow run here, so these tests need no server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fixtures_agent import wait_until
from fixtures_kubernetes import IMAGE, KubeAPI

pytestmark = pytest.mark.timeout(120)

RUN_ID = "0b5e7c1a-2222-4333-8444-555566667777"


def _spec(script: str | None = None, **run_config: Any) -> Any:
    from caudal.agent.launcher import LaunchSpec

    if script is not None:
        # The container runs the script; the run's own arguments are ignored after '--'.
        run_config["job_template"] = {"spec": {"template": {"spec": {
            "terminationGracePeriodSeconds": 2,
            "containers": [{"name": "flow", "command": ["sh", "-c", script, "--"]}]}}}}
    return LaunchSpec(flow_run_id=RUN_ID, command=[], flow_name="nightly users",
                      flow_id="f-1", agent_env={"CAUDAL_API": "http://caudal:4200"},
                      run_env={"STAGE": "test"}, run_config={"image": IMAGE, **run_config})


@pytest.fixture
def launcher(kube_api: KubeAPI) -> Iterator[Any]:
    from caudal.agent.kubernetes import JobSettings, KubernetesLauncher

    launcher = KubernetesLauncher(JobSettings(namespace="default"))
    launcher.prepare({})
    yield launcher
    launcher.close()


def _ended(job: Any) -> int | None:
    return job.poll()


def test_a_failed_pod_says_why_and_its_job_is_deleted(kube_api: KubeAPI, launcher: Any) -> None:
    job = launcher.launch(_spec("echo loading; echo 'KeyError: users' >&2; exit 3"))

    code = wait_until(lambda: _ended(job), timeout=60, what="the job to fail")

    assert code == 3
    how = job.describe_exit(code)
    assert how.startswith(f"failed: pod '{job.name}-")
    assert "ended Error (exit code 3)" in how and "BackoffLimitExceeded" in how
    assert job.output_tail(5).splitlines() == ["loading", "KeyError: users"]
    posted = kube_api.created[0]
    assert posted["metadata"]["name"] == job.name
    container = posted["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "STAGE", "value": "test"} in container["env"]
    job.cleanup()
    wait_until(lambda: not kube_api.jobs() and not kube_api.pods(), timeout=30,
               what="the job and its pod to be deleted")


def test_a_completed_job_is_kept_when_deletion_is_off(kube_api: KubeAPI, launcher: Any) -> None:
    launcher.delete_finished_jobs = False
    job = launcher.launch(_spec("exit 0"))

    assert wait_until(lambda: _ended(job) is not None, timeout=60, what="the job to end")
    assert job.poll() == 0 and job.describe_exit(0) == "completed"
    job.cleanup()
    assert list(kube_api.jobs()) == [job.name]


def test_an_image_that_cannot_be_pulled_fails_the_run(kube_api: KubeAPI, launcher: Any) -> None:
    launcher.delete_finished_jobs = False  # a pod that cannot start is deleted all the same
    job = launcher.launch(_spec(image="registry.example/etl:404"))

    code = wait_until(lambda: _ended(job), timeout=60, what="the pull to fail")

    assert code == 1
    assert job.describe_exit(code).startswith(f"could not start: pod '{job.name}-")
    assert 'ImagePullBackOff: Back-off pulling image "registry.example/etl:404"' in \
        job.describe_exit(code)
    job.cleanup()
    wait_until(lambda: not kube_api.jobs(), timeout=30, what="the job to be deleted")


def test_stopping_a_run_deletes_its_job_and_ends_its_pod(kube_api: KubeAPI,
                                                          launcher: Any) -> None:
    job = launcher.launch(_spec("sleep 60"))
    wait_until(lambda: kube_api.pods(job.name) and
               kube_api.pods(job.name)[0]["status"]["phase"] == "Running", timeout=30,
               what="the pod to run")
    pod = kube_api.pods(job.name)[0]["metadata"]["name"]
    assert job.waiting_reason() == f"pod '{pod}' is Running"

    job.stop(grace_s=2)

    code = wait_until(lambda: _ended(job), timeout=30, what="the job to be gone")
    assert job.describe_exit(code) == "was deleted by its agent"
    assert kube_api.processes[pod].poll() is not None
    assert not kube_api.jobs() and not kube_api.pods()


def test_a_job_deleted_by_someone_else_ends_its_run(kube_api: KubeAPI, launcher: Any) -> None:
    job = launcher.launch(_spec("sleep 60"))
    wait_until(lambda: launcher.jobs.get(job.name), timeout=30, what="the job to be seen")

    kube_api.delete_job("default", job.name, {"propagationPolicy": "Background"})

    code = wait_until(lambda: _ended(job), timeout=30, what="the deletion to be seen")
    assert job.describe_exit(code) == "was deleted (not by its agent) before it ended"


def test_a_job_the_cluster_refuses_is_not_launched(kube_api: KubeAPI, launcher: Any) -> None:
    spec = _spec()
    spec.run_config["job_template"] = {"spec": {"template": {"spec": {"containers": [
        {"name": "flow", "ports": [{"containerPort": "eighty"}]}]}}}}

    # Refused by the client's own check of the Job, or by the API server's (the stand-in
    # checks against the schema): either way the reason names the field.
    with pytest.raises(OSError, match=r"the cluster refused to create job 'caudal-nightly-users"
                                      r"-0b5e7c1a-\w+' in namespace 'default': (?s:.*)"
                                      r"containerPort"):
        launcher.launch(spec)
    assert kube_api.jobs() == {}
