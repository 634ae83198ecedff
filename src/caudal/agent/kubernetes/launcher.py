"""The Kubernetes launcher: each flow run is a Job in the agent's namespace.

``KubernetesLauncher.launch`` creates the run's Job (``manifests.job_manifest``) through the
official ``kubernetes`` client. Two informers (``watch.Informer``) follow every job and pod
the agent started, so that looking at a run (``KubernetesJob.poll``, several times a second)
reads memory, never the API. A job has ended when it is Complete or Failed, when one of its
pods cannot start for good (its image cannot be pulled, its configuration is missing), or
when it was deleted; ``describe_exit`` then says why in the pod's own words (``OOMKilled``,
``ImagePullBackOff``, the exit code), and that lands in the run's state message. Stopping a
run deletes its job and its pods; a settled run's job is deleted unless asked otherwise.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any

from caudal.agent.kubernetes.manifests import (
    CONTAINER,
    JOB_LABEL,
    RUN_LABEL,
    JobSettings,
    job_manifest,
    job_name,
)
from caudal.agent.kubernetes.watch import Informer
from caudal.agent.launcher import Launched, Launcher, LaunchSpec
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

__all__ = ["KubernetesJob", "KubernetesLauncher", "kubernetes_api"]

logger = get_logger("agent.kubernetes")

FATAL_WAITING = ("ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName",
                 "CreateContainerConfigError")
"""Why a container waits that waiting will not cure: its run is failed, its job deleted."""
STOPPED = -15
"""``poll``'s code for a job deleted before it ended."""
RETRY_DELETE_S = 5.0


def kubernetes_api(context: str | None = None) -> ApiClient:
    """A client of the cluster this runs in, else of the kubeconfig's (``KUBECONFIG``, or
    ``~/.kube/config``; ``context``: one of its contexts instead of the current one).

    Raises:
        RuntimeError: neither is there, or the kubeconfig cannot be read.
    """
    try:
        from kubernetes import client, config
    except ImportError:
        raise RuntimeError("The Kubernetes agent needs the kubernetes client: "
                           "pip install 'caudal[kubernetes]'.") from None
    configuration = client.Configuration()
    try:
        config.load_incluster_config(client_configuration=configuration)
    except config.ConfigException:
        try:
            # KUBECONFIG as it is now (the client reads it once, when first imported).
            config.load_kube_config(config_file=os.environ.get("KUBECONFIG"), context=context,
                                    client_configuration=configuration)
        except (config.ConfigException, OSError, ValueError) as exc:
            raise RuntimeError(
                "No Kubernetes cluster to talk to: this is not a pod in a cluster, and the "
                f"kubeconfig (KUBECONFIG or ~/.kube/config) cannot be used: {exc}") from exc
    return client.ApiClient(configuration)


def _api_message(exc: Exception) -> str:
    """What the API server said, from its Status body where there is one."""
    body = getattr(exc, "body", None)
    if body:
        try:
            status = json.loads(body)
            return f"{status.get('reason') or exc.status}: {status.get('message')}"  # type: ignore[attr-defined]
        except (ValueError, AttributeError):
            pass
    return f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}"


class KubernetesLauncher(Launcher):
    """Starts each run as a Job in ``settings.namespace`` and follows it.

    Args:
        settings: the agent's defaults for its jobs (namespace, image, template, account).
        api: a client of the cluster (default: ``kubernetes_api()``).
        delete_finished_jobs: delete a run's job once its run is settled (default).
    """

    name = "kubernetes"

    def __init__(self, settings: JobSettings, api: ApiClient | None = None,
                 delete_finished_jobs: bool = True) -> None:
        from kubernetes import client

        self.settings = settings
        self.api = api if api is not None else kubernetes_api()
        self.batch = client.BatchV1Api(self.api)
        self.core = client.CoreV1Api(self.api)
        self.delete_finished_jobs = delete_finished_jobs
        namespace = settings.namespace
        # Every run's job and pod (of any agent in the namespace); each agent looks only at
        # the jobs it started.
        self.jobs = Informer(self.batch.list_namespaced_job, namespace, RUN_LABEL, "jobs")
        self.pods = Informer(self.core.list_namespaced_pod, namespace, JOB_LABEL, "pods")
        self._started = False

    def prepare(self, env: dict[str, str]) -> None:
        if not self._started:
            self._started = True
            self.jobs.start()
            self.pods.start()

    def close(self) -> None:
        self.jobs.stop()
        self.pods.stop()

    def launch(self, spec: LaunchSpec) -> KubernetesJob:
        name = job_name(spec.flow_name, spec.flow_run_id)
        manifest = job_manifest(spec, self.settings, name)
        try:
            self.batch.create_namespaced_job(self.settings.namespace, body=manifest,
                                             _request_timeout=30)
        except Exception as exc:  # noqa: BLE001 (the API's refusal, as the reason)
            raise OSError(f"the cluster refused to create job '{name}' in namespace "
                          f"'{self.settings.namespace}': {_api_message(exc)}") from exc
        return KubernetesJob(self, name)

    def delete_job(self, name: str, grace_s: float | None = None) -> bool:
        """Delete job ``name`` and its pods; whether it is gone or going (404 included)."""
        from kubernetes import client

        options = client.V1DeleteOptions(
            propagation_policy="Foreground",
            grace_period_seconds=None if grace_s is None else max(0, int(grace_s)))
        try:
            self.batch.delete_namespaced_job(name, self.settings.namespace, body=options,
                                             _request_timeout=30)
        except Exception as exc:  # noqa: BLE001
            if getattr(exc, "status", None) == 404:
                return True
            logger.warning("Could not delete job '%s': %s", name, _api_message(exc))
            return False
        return True


class KubernetesJob(Launched):
    """One run's Job, as its agent sees it (from the launcher's informers)."""

    def __init__(self, launcher: KubernetesLauncher, name: str) -> None:
        self.launcher = launcher
        self.name = name
        self.what = f"its Kubernetes job '{name}'"
        self.created_at = time.monotonic()
        self._stopped = False
        self._delete_pending_since: float | None = None
        self._ended: tuple[int, str] | None = None
        self._grace_s: float | None = None

    # --- reading what the informers saw ---------------------------------------------------

    def _pods(self) -> list[dict[str, Any]]:
        return self.launcher.pods.select(JOB_LABEL, self.name)

    def poll(self) -> int | None:
        if self._ended is not None:
            return self._ended[0]
        if self._stopped and self._delete_pending_since is not None \
                and time.monotonic() - self._delete_pending_since >= RETRY_DELETE_S:
            self._delete()
        if self.launcher.jobs.deleted(self.name):
            how = "was deleted by its agent" if self._stopped else \
                "was deleted (not by its agent) before it ended"
            self._ended = (STOPPED, how)
            return STOPPED
        job = self.launcher.jobs.get(self.name)
        if job is None:
            return None
        conditions = {c.get("type"): c for c in (job.get("status") or {}).get("conditions") or []
                      if c.get("status") == "True"}
        if "Complete" in conditions or (job.get("status") or {}).get("succeeded"):
            self._ended = (0, "completed")
        elif "Failed" in conditions:
            condition = conditions["Failed"]
            code, pod_reason = self._pod_failure()
            job_reason = condition.get("reason") or "Failed"
            if condition.get("message"):
                job_reason += f" ({condition['message']})"
            how = f"failed: {pod_reason}; the job: {job_reason}" if pod_reason \
                else f"failed: {job_reason}"
            self._ended = (code, how)
        else:
            fatal = self._fatal_waiting()
            if fatal is None:
                return None
            self._ended = (1, f"could not start: {fatal}")
        return self._ended[0]

    def _pod_failure(self) -> tuple[int, str | None]:
        """(exit code, how its last failed pod ended) from the pods' statuses."""
        for pod in reversed(self._pods()):
            status = pod.get("status") or {}
            name = pod["metadata"]["name"]
            for container in _containers(status):
                ended = (container.get("state") or {}).get("terminated")
                if ended and ended.get("exitCode"):
                    code = int(ended["exitCode"])
                    text = f"pod '{name}' ended {ended.get('reason') or 'Error'} (exit code {code})"
                    if ended.get("message"):
                        text += f": {ended['message'].strip()}"
                    return code, text
            if status.get("phase") == "Failed":
                reason = status.get("reason") or "Failed"
                text = f"pod '{name}' {reason}"
                if status.get("message"):
                    text += f": {status['message']}"
                return 1, text
        return 1, None

    def _fatal_waiting(self) -> str | None:
        for pod in self._pods():
            for container in _containers(pod.get("status") or {}):
                waiting = (container.get("state") or {}).get("waiting") or {}
                if waiting.get("reason") in FATAL_WAITING:
                    text = f"pod '{pod['metadata']['name']}' {waiting['reason']}"
                    if waiting.get("message"):
                        text += f": {waiting['message']}"
                    return text
        return None

    def waiting_reason(self) -> str | None:
        if self.launcher.jobs.get(self.name) is None:
            return f"job '{self.name}' was never seen in the cluster"
        pods = self._pods()
        if not pods:
            return f"job '{self.name}' has no pod yet"
        pod = pods[-1]
        name, status = pod["metadata"]["name"], pod.get("status") or {}
        for condition in status.get("conditions") or []:
            if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
                return (f"pod '{name}' is not scheduled: {condition.get('reason')}: "
                        f"{condition.get('message')}")
        for container in _containers(status):
            waiting = (container.get("state") or {}).get("waiting")
            if waiting:
                return f"pod '{name}' is waiting: {waiting.get('reason')}: {waiting.get('message')}"
        return f"pod '{name}' is {status.get('phase') or 'Pending'}"

    def describe_exit(self, code: int) -> str:
        if self._ended is not None:
            return self._ended[1]
        return f"ended with code {code}"

    def output_tail(self, lines: int = 20) -> str:
        pods = self._pods()
        if not pods:
            return ""
        try:
            text = self.launcher.core.read_namespaced_pod_log(
                pods[-1]["metadata"]["name"], self.launcher.settings.namespace,
                container=_container_name(pods[-1]), tail_lines=lines, _request_timeout=10)
        except Exception:  # noqa: BLE001 (gone with its pod, or the API is away)
            return ""
        return "\n".join(str(text).rstrip("\n").splitlines()[-lines:])

    # --- acting on it ---------------------------------------------------------------------

    def stop(self, grace_s: float) -> None:
        self._stopped = True
        self._grace_s = grace_s
        self._delete()

    def _delete(self) -> None:
        if self.launcher.delete_job(self.name, self._grace_s):
            self._delete_pending_since = None
        else:  # tried again from poll
            self._delete_pending_since = time.monotonic()

    def cleanup(self) -> None:
        """Delete the job once its run is settled (unless kept), and forget it."""
        if self.launcher.delete_finished_jobs and not self.launcher.jobs.deleted(self.name):
            self.launcher.delete_job(self.name)
        elif self._ended is not None and self._ended[0] != 0 and not self._stopped \
                and not self.launcher.jobs.deleted(self.name):
            # A pod that cannot start would try again forever: its job goes all the same.
            if self._fatal_waiting() is not None:
                self.launcher.delete_job(self.name)
        self.launcher.jobs.forget(self.name)
        for pod in self._pods():
            self.launcher.pods.forget(pod["metadata"]["name"])


def _containers(status: dict[str, Any]) -> list[dict[str, Any]]:
    return [*(status.get("initContainerStatuses") or []),
            *(status.get("containerStatuses") or [])]


def _container_name(pod: dict[str, Any]) -> str | None:
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    return CONTAINER if CONTAINER in names else (names[0] if names else None)
