"""KubernetesRun: a flow run as a Kubernetes job (image, resources, service account)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from caudal.run_configs.base import RunConfig

__all__ = ["KubernetesRun"]


class KubernetesRun(RunConfig):
    """Launch the run as a Kubernetes job.

    Args:
        job_template_path: a path or URL to a job template (YAML).
        job_template: the job template itself (YAML text or a dict); not with the path.
        image: the container image the job runs.
        env: environment variables for the container.
        cpu_limit, cpu_request: CPU, as a number of cores or Kubernetes units ("500m").
        memory_limit, memory_request: memory, in Kubernetes units ("2Gi").
        service_account_name: the service account the job runs as.
        image_pull_secrets: names of secrets to pull the image with.
        labels: agent labels the run needs.
        image_pull_policy: "Always", "IfNotPresent" or "Never".

    Raises:
        ValueError: both ``job_template`` and ``job_template_path`` given, or an unknown
            ``image_pull_policy``.

    Example:
        >>> run = KubernetesRun(image="etl:1.2", cpu_request=1, memory_limit="2Gi")
        >>> run.cpu_request, run.memory_limit
        ('1', '2Gi')
    """

    def __init__(
        self,
        *,
        job_template_path: str | None = None,
        job_template: str | dict[str, Any] | None = None,
        image: str | None = None,
        env: dict[str, str] | None = None,
        cpu_limit: float | str | None = None,
        cpu_request: float | str | None = None,
        memory_limit: str | None = None,
        memory_request: str | None = None,
        service_account_name: str | None = None,
        image_pull_secrets: Iterable[str] | None = None,
        labels: Iterable[str] | None = None,
        image_pull_policy: str | None = None,
    ) -> None:
        if job_template_path is not None and job_template is not None:
            raise ValueError("Cannot provide both `job_template_path` and `job_template`.")
        if image_pull_policy not in (None, "Always", "IfNotPresent", "Never"):
            raise ValueError(
                f"image_pull_policy is {image_pull_policy!r}; choose 'Always', 'IfNotPresent' "
                "or 'Never'."
            )
        super().__init__(env=env, labels=labels)
        self.job_template_path = job_template_path
        self.job_template = job_template
        self.image = image
        # Kubernetes quantities are text; numbers are kept as their text, as Prefect does.
        self.cpu_limit = None if cpu_limit is None else str(cpu_limit)
        self.cpu_request = None if cpu_request is None else str(cpu_request)
        self.memory_limit = memory_limit
        self.memory_request = memory_request
        self.service_account_name = service_account_name
        self.image_pull_secrets = list(image_pull_secrets) if image_pull_secrets else None
        self.image_pull_policy = image_pull_policy
