"""What the Kubernetes agent sends to a cluster, as plain manifests (dicts).

``job_manifest`` turns one claimed run into a Job: the job template (the run config's, the
agent's, or a minimal one), with the run's image, command, environment, resources, service
account and image pull secrets filled in, and labels the agent finds its jobs and pods by.
``agent_manifests`` is what ``caudal agent kubernetes install`` prints: a Deployment running
the agent, with, on request, the service account and role it needs.

Nothing here talks to a cluster, so every manifest can be checked against the Kubernetes
schemas without one.
"""

from __future__ import annotations

import copy
import re
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caudal.agent.launcher import LaunchSpec

__all__ = ["MANAGED_BY", "JobSettings", "agent_manifests", "default_image", "job_manifest",
           "job_name", "load_job_template", "split_names"]

MANAGED_BY = {"app.kubernetes.io/managed-by": "caudal"}
RUN_LABEL = "caudal.io/flow-run-id"
"""On every job the agent starts, and its pods: the run's id (its watch of jobs selects it)."""
FLOW_LABEL = "caudal.io/flow-id"
JOB_LABEL = "caudal.io/job"
"""On a job's pods: the job's name (its watch of pods selects it; pods map to jobs by it)."""
CONTAINER = "flow"
"""The container that runs the flow: the one of this name in a template, else the first."""

PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def default_image() -> str:
    """The image a run uses when neither its run config nor the agent names one."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"caudal:{version('caudal')}"
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "caudal:latest"


@dataclass
class JobSettings:
    """The agent's defaults for the jobs it starts (a run config's settings win)."""

    namespace: str = "default"
    image: str | None = None
    job_template: dict[str, Any] | None = None
    service_account_name: str | None = None
    image_pull_secrets: list[str] = field(default_factory=list)
    image_pull_policy: str | None = None


def load_job_template(source: str | dict[str, Any]) -> dict[str, Any]:
    """A job template from YAML text, a dict, a file path, or a URL (``http(s)://``, or
    any scheme fsspec reads, such as ``s3://`` or ``gcs://``, where it is installed).

    Raises:
        ValueError: it is not one YAML mapping, or it is not a ``batch/v1`` Job.
        OSError: the file or URL cannot be read.
    """
    import yaml

    if isinstance(source, dict):
        template = copy.deepcopy(source)
    else:
        text, where = _read_template(source)
        try:
            template = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"The job template {where} is not valid YAML: {exc}") from exc
        if not isinstance(template, dict):
            raise ValueError(f"The job template {where} is not a YAML mapping (a Job).")
    kind, version = template.get("kind", "Job"), template.get("apiVersion", "batch/v1")
    if kind != "Job" or version != "batch/v1":
        raise ValueError(f"A job template must be a batch/v1 Job, not {version} {kind}.")
    return template


def _read_template(source: str) -> tuple[str, str]:
    """(YAML text, how to name it in an error) for text, a path or a URL."""
    if "\n" in source or source.lstrip().startswith(("{", "apiVersion:", "kind:")):
        return source, "given as text"
    if re.match(r"^https?://", source):
        import httpx

        response = httpx.get(source, timeout=30, follow_redirects=True)
        if response.status_code != 200:
            raise OSError(f"Could not read the job template {source}: HTTP "
                          f"{response.status_code}.")
        return response.text, source
    if re.match(r"^[a-z][a-z0-9+.-]*://", source) and not source.startswith("file://"):
        try:
            import fsspec
        except ImportError:
            raise OSError(f"The job template {source} needs fsspec to be read "
                          "(pip install 'caudal[s3]' or 'caudal[gcs]').") from None
        with fsspec.open(source, "r") as handle:
            return handle.read(), source
    path = Path(source.removeprefix("file://")).expanduser()
    return path.read_text(), str(path)


def job_name(flow_name: str, flow_run_id: str) -> str:
    """A new job's name: ``caudal-<flow>-<run id start>-<random>``, at most 63 characters of
    lower-case letters, digits and dashes (every launch of a run gets its own).

    Example:
        >>> job_name("Users report!", "3f9a0c1d-0000")[:29]
        'caudal-users-report-3f9a0c1d-'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", flow_name.lower()).strip("-")[:30].strip("-")
    token = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    head = re.sub(r"[^a-z0-9]", "", flow_run_id.lower())[:8]
    return "-".join(part for part in ("caudal", slug, head, token) if part)


def split_names(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Names given as ``a,b`` or several times, as a list without blanks."""
    if not value:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


def job_manifest(spec: LaunchSpec, settings: JobSettings, name: str) -> dict[str, Any]:
    """The Job that runs ``spec``'s flow run, named ``name``.

    Raises:
        ValueError: the run config's job template is not a Job, or a setting is invalid.
        OSError: the run config's ``job_template_path`` cannot be read.
    """
    run_config = spec.run_config
    if run_config.get("job_template") is not None:
        job = load_job_template(run_config["job_template"])  # type: ignore[arg-type]
    elif run_config.get("job_template_path"):
        job = load_job_template(str(run_config["job_template_path"]))
    elif settings.job_template is not None:
        job = copy.deepcopy(settings.job_template)
    else:
        job = {"spec": {"template": {"spec": {"containers": [{"name": CONTAINER}]}}}}
    job = {**job, "apiVersion": "batch/v1", "kind": "Job"}
    job = {key: job[key] for key in ("apiVersion", "kind", *job) if key in job}

    labels = {**MANAGED_BY, RUN_LABEL: spec.flow_run_id}
    if spec.flow_id:
        labels[FLOW_LABEL] = spec.flow_id
    metadata = job.setdefault("metadata", {})
    metadata.pop("generateName", None)
    metadata["name"] = name
    metadata["namespace"] = settings.namespace
    metadata["labels"] = {**(metadata.get("labels") or {}), **labels}

    job_spec = job.setdefault("spec", {})
    # A run process that fails is not started again by Kubernetes: the run has ended
    # (Failed) on the server, and a retry is the flow's or the user's decision.
    job_spec.setdefault("backoffLimit", 0)
    pod = job_spec.setdefault("template", {})
    pod_metadata = pod.setdefault("metadata", {})
    pod_metadata["labels"] = {**(pod_metadata.get("labels") or {}), **labels, JOB_LABEL: name}
    pod_spec = pod.setdefault("spec", {})
    pod_spec.setdefault("restartPolicy", "Never")

    container = _flow_container(pod_spec)
    container["image"] = (run_config.get("image") or container.get("image") or settings.image
                          or default_image())
    container["args"] = ["caudal", "execute", "flow-run", spec.flow_run_id]
    container["env"] = _merged_env(container.get("env") or [],
                                   {**spec.agent_env, **spec.run_env})
    resources = _resources(run_config)
    if resources:
        current = container.setdefault("resources", {})
        for kind, values in resources.items():
            current[kind] = {**(current.get(kind) or {}), **values}
    policy = run_config.get("image_pull_policy") or settings.image_pull_policy
    if policy:
        if policy not in PULL_POLICIES:
            raise ValueError(f"imagePullPolicy is {policy!r}; choose one of "
                             f"{', '.join(PULL_POLICIES)}.")
        container["imagePullPolicy"] = policy
    account = run_config.get("service_account_name") or settings.service_account_name
    if account:
        pod_spec["serviceAccountName"] = account
    pull_secrets = run_config.get("image_pull_secrets") or settings.image_pull_secrets
    if pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": s} for s in pull_secrets]  # type: ignore[union-attr]
    return job


def _flow_container(pod_spec: dict[str, Any]) -> dict[str, Any]:
    containers = pod_spec.get("containers")
    if not containers:
        containers = pod_spec["containers"] = [{"name": CONTAINER}]
    for container in containers:
        if container.get("name") == CONTAINER:
            return container  # type: ignore[no-any-return]
    containers[0].setdefault("name", CONTAINER)
    return containers[0]  # type: ignore[no-any-return]


def _merged_env(entries: list[dict[str, Any]], values: dict[str, str]) -> list[dict[str, Any]]:
    """The template's variables (``valueFrom`` ones included), with ``values`` set over them."""
    merged = [entry for entry in entries if entry.get("name") not in values]
    merged.extend({"name": key, "value": str(value)} for key, value in values.items())
    return merged


def _resources(run_config: dict[str, Any]) -> dict[str, dict[str, str]]:
    resources: dict[str, dict[str, str]] = {}
    for key, kind, resource in (("cpu_request", "requests", "cpu"),
                                ("memory_request", "requests", "memory"),
                                ("cpu_limit", "limits", "cpu"),
                                ("memory_limit", "limits", "memory")):
        if run_config.get(key) is not None:
            resources.setdefault(kind, {})[resource] = str(run_config[key])
    return resources


def agent_manifests(*, api_url: str, api_key: str | None = None, namespace: str = "default",
                    name: str = "caudal-agent", labels: list[str] | None = None,
                    env: dict[str, str] | None = None, image: str | None = None,
                    image_pull_secrets: list[str] | None = None,
                    image_pull_policy: str | None = None,
                    service_account_name: str | None = None, rbac: bool = False,
                    resources: dict[str, dict[str, str]] | None = None,
                    job_image: str | None = None) -> list[dict[str, Any]]:
    """The manifests that run a Kubernetes agent in ``namespace``: its Deployment, and with
    ``rbac`` the service account (named ``name``), role and role binding it needs to start
    and watch jobs. ``job_image``, ``image_pull_secrets``, ``image_pull_policy`` and
    ``service_account_name`` are the agent's defaults for its runs' jobs; the pull secrets
    also pull the agent's own ``image``.

    Raises:
        ValueError: an invalid pull policy.
    """
    from caudal.configuration import setting_variable

    if image_pull_policy and image_pull_policy not in PULL_POLICIES:
        raise ValueError(f"imagePullPolicy is {image_pull_policy!r}; choose one of "
                         f"{', '.join(PULL_POLICIES)}.")
    args = ["caudal", "agent", "kubernetes", "start", "--name", name,
            "--namespace", namespace, "--health-address", "0.0.0.0:8080"]
    for label in labels or []:
        args += ["--label", label]
    for key, value in (env or {}).items():
        args += ["--env", f"{key}={value}"]
    if job_image:
        args += ["--image", job_image]
    for secret in image_pull_secrets or []:
        args += ["--image-pull-secrets", secret]
    if image_pull_policy:
        args += ["--image-pull-policy", image_pull_policy]
    if service_account_name:
        args += ["--service-account-name", service_account_name]
    container_env = [{"name": setting_variable("api.url"), "value": api_url}]
    if api_key:
        container_env.append({"name": setting_variable("api.key"), "value": api_key})
    container: dict[str, Any] = {
        "name": "agent", "image": image or default_image(), "args": args,
        "env": container_env,
        "ports": [{"name": "health", "containerPort": 8080}],
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080},
                          "initialDelaySeconds": 20, "periodSeconds": 30,
                          "failureThreshold": 3},
    }
    if resources:
        container["resources"] = resources
    app = {"app.kubernetes.io/name": name, **MANAGED_BY}
    pod_spec: dict[str, Any] = {"containers": [container],
                                # SIGTERM lets running runs finish for 30 s (--grace).
                                "terminationGracePeriodSeconds": 60}
    if rbac:
        pod_spec["serviceAccountName"] = name
    if image_pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": s} for s in image_pull_secrets]
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(app)},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                 "template": {"metadata": {"labels": dict(app)}, "spec": pod_spec}},
    }
    if not rbac:
        return [deployment]

    def metadata() -> dict[str, Any]:
        return {"name": name, "namespace": namespace, "labels": dict(app)}

    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata(),
        "rules": [
            {"apiGroups": ["batch"], "resources": ["jobs"],
             "verbs": ["create", "delete", "get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["pods", "pods/log", "events"],
             "verbs": ["get", "list", "watch"]},
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": metadata(),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
    }
    account_manifest = {"apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": metadata()}
    return [account_manifest, role, binding, deployment]
