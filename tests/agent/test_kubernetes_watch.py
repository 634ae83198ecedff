"""How the Kubernetes agent follows its jobs and pods, against the Kubernetes API stand-in
(tests/fixtures_kubernetes.py), through the official client: it sees every change, and a
watch that breaks or expires while changes happen loses none of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fixtures_agent import wait_until
from fixtures_kubernetes import IMAGE, KubeAPI

pytestmark = pytest.mark.timeout(120)


def _job(name: str, image: str = IMAGE, seconds: float = 30) -> dict[str, Any]:
    """A job whose pod sleeps ``seconds`` (a real process of the stand-in's kubelet)."""
    labels = {"caudal.io/flow-run-id": name, "caudal.io/job": name}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "labels": labels},
            "spec": {"backoffLimit": 0, "template": {
                "metadata": {"labels": labels},
                "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                         "containers": [{"name": "flow", "image": image,
                                         "command": ["sleep"], "args": [str(seconds)]}]}}}}


@pytest.fixture
def informers(kube_api: KubeAPI) -> Iterator[tuple[Any, Any]]:
    from kubernetes import client

    from caudal.agent.kubernetes import kubernetes_api
    from caudal.agent.kubernetes.watch import Informer

    api = kubernetes_api()
    jobs = Informer(client.BatchV1Api(api).list_namespaced_job, "default",
                    "caudal.io/flow-run-id", "jobs", watch_timeout_s=1).start()
    pods = Informer(client.CoreV1Api(api).list_namespaced_pod, "default", "caudal.io/job",
                    "pods", watch_timeout_s=1).start()
    assert jobs.synced.wait(10) and pods.synced.wait(10)
    yield jobs, pods
    jobs.stop()
    pods.stop()


def _phase(pods: Any, job: str) -> str | None:
    found = pods.select("caudal.io/job", job)
    return found[-1]["status"]["phase"] if found else None


def _complete(jobs: Any, name: str) -> bool:
    job = jobs.get(name)
    return bool(job and (job.get("status") or {}).get("succeeded"))


def test_it_sees_a_job_run_end_and_go(kube_api: KubeAPI, informers: tuple[Any, Any]) -> None:
    jobs, pods = informers

    kube_api.create_job("default", _job("quick", seconds=0.2))

    wait_until(lambda: _complete(jobs, "quick"), timeout=30, what="the job to complete")
    assert _phase(pods, "quick") == "Succeeded"
    kube_api.delete_job("default", "quick", {"propagationPolicy": "Foreground"})
    wait_until(lambda: jobs.deleted("quick") and not pods.select("caudal.io/job", "quick"),
               timeout=30, what="the job and its pod to be gone")
    assert jobs.get("quick") is None


def test_a_watch_that_expires_while_changes_happen_lists_again(
        kube_api: KubeAPI, informers: tuple[Any, Any]) -> None:
    jobs, pods = informers
    kube_api.create_job("default", _job("stays"))
    kube_api.create_job("default", _job("goes"))
    wait_until(lambda: _phase(pods, "stays") == "Running" and _phase(pods, "goes") == "Running",
               timeout=30, what="both pods to run")
    lists_before = jobs.lists

    # Nothing reaches the informers while the job is deleted and another one created and
    # run; then the history they would resume from is compacted away (410 Gone).
    kube_api.hold_watches()
    kube_api.delete_job("default", "goes", {"propagationPolicy": "Background"})
    kube_api.create_job("default", _job("new", seconds=0.2))
    wait_until(lambda: not kube_api.pods("goes") and "succeeded" in
               kube_api.jobs()["new"]["status"], timeout=30, what="the changes to be made")
    assert jobs.get("goes") is not None and jobs.get("new") is None  # nothing seen yet
    kube_api.compact()
    kube_api.release_watches()

    wait_until(lambda: jobs.deleted("goes") and _complete(jobs, "new"), timeout=30,
               what="the informer to catch up")
    assert jobs.lists > lists_before
    assert _phase(pods, "stays") == "Running" and not pods.select("caudal.io/job", "goes")


def test_a_broken_watch_misses_nothing(kube_api: KubeAPI, informers: tuple[Any, Any]) -> None:
    jobs, pods = informers
    kube_api.hold_watches()
    kube_api.create_job("default", _job("during", seconds=0.2))
    wait_until(lambda: "succeeded" in kube_api.jobs()["during"]["status"], timeout=30,
               what="the job to complete")

    kube_api.drop_watches()
    kube_api.release_watches()

    wait_until(lambda: _complete(jobs, "during"), timeout=30, what="the informer to see it")
    assert _phase(pods, "during") == "Succeeded"
    assert jobs.error is None


def test_an_api_that_cannot_be_reached_is_reported_and_tried_again(tmp_path: Any) -> None:
    from kubernetes import client

    from caudal.agent.kubernetes.watch import Informer

    configuration = client.Configuration()
    configuration.host = "http://127.0.0.1:9"  # nothing listens there
    configuration.retries = 0
    api = client.ApiClient(configuration)
    jobs = Informer(client.BatchV1Api(api).list_namespaced_job, "default", "x", "jobs").start()
    try:
        error = wait_until(lambda: jobs.error, timeout=30, what="the error to be noted")
    finally:
        jobs.stop()
    assert "Connection refused" in error or "NewConnectionError" in error or "Max retries" in error
    assert not jobs.synced.is_set()
