"""Prefect 0.15's deprecated environments for a run on a temporary Dask cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from caudal.environments.execution.base import Environment

__all__ = ["DaskCloudProviderEnvironment", "DaskKubernetesEnvironment"]


class DaskKubernetesEnvironment(Environment):
    """A run on a Dask cluster that Prefect started in Kubernetes; kept, never used.

    Use ``caudal.run_configs.KubernetesRun`` with ``DaskExecutor`` instead.

    Args:
        min_workers, max_workers: the cluster's size bounds.
        work_stealing, scheduler_logs: Dask options Prefect set on the cluster.
        private_registry, docker_secret, image_pull_secret: how Prefect pulled the image.
        labels, on_start, on_exit, metadata: as for ``Environment``.
        scheduler_spec_file, worker_spec_file: YAML pod specs; each must exist if given.
        log_k8s_errors: whether Prefect logged the pods' Kubernetes errors.
    """

    def __init__(self, min_workers: int = 1, max_workers: int = 2, work_stealing: bool = True,
                 scheduler_logs: bool = False, private_registry: bool = False,
                 docker_secret: str | None = None, labels: Iterable[str] | None = None,
                 on_start: Callable | None = None, on_exit: Callable | None = None,
                 metadata: dict | None = None, scheduler_spec_file: str | None = None,
                 worker_spec_file: str | None = None, image_pull_secret: str | None = None,
                 log_k8s_errors: bool = False) -> None:
        for spec_file in (scheduler_spec_file, worker_spec_file):
            if spec_file is not None:
                Path(spec_file).read_bytes()  # fail now on a wrong path
        self.min_workers = min_workers
        self.max_workers = max_workers
        self.work_stealing = work_stealing
        self.scheduler_logs = scheduler_logs
        self.private_registry = private_registry
        self.docker_secret = docker_secret
        self.scheduler_spec_file = scheduler_spec_file
        self.worker_spec_file = worker_spec_file
        self.image_pull_secret = image_pull_secret
        self.log_k8s_errors = log_k8s_errors
        # Prefect loaded the spec files into these; caudal keeps the paths and never reads them.
        self._scheduler_spec = None
        self._worker_spec = None
        self._identifier_label = ""
        super().__init__(labels=labels, on_start=on_start, on_exit=on_exit, metadata=metadata)

    @property
    def identifier_label(self) -> str:
        """The label Prefect put on the cluster's pods; empty until a run sets it."""
        return self._identifier_label


class DaskCloudProviderEnvironment(Environment):
    """A run on a Dask Cloud Provider cluster (AWS Fargate, ECS...); kept, never used.

    Use ``DaskExecutor(cluster_class=..., cluster_kwargs=...)`` as the flow's executor.

    Args:
        provider_class: the ``dask_cloudprovider`` cluster class.
        adaptive_min_workers, adaptive_max_workers: adaptive scaling bounds.
        security: the cluster's TLS settings.
        executor_kwargs: arguments Prefect passed to its DaskExecutor.
        labels, on_start, on_exit, metadata: as for ``Environment``.
        on_execute: a function Prefect called with the cluster's arguments before a run.
        **kwargs: arguments for ``provider_class``; ``skip_cleanup`` defaults to True.
    """

    def __init__(self, provider_class: type, adaptive_min_workers: int | None = None,
                 adaptive_max_workers: int | None = None, security: Any = None,
                 executor_kwargs: dict[str, Any] | None = None,
                 labels: Iterable[str] | None = None,
                 on_execute: Callable[[dict[str, Any], dict[str, Any]], None] | None = None,
                 on_start: Callable | None = None, on_exit: Callable | None = None,
                 metadata: dict | None = None, **kwargs: Any) -> None:
        self._provider_class = provider_class
        self._adaptive_min_workers = adaptive_min_workers
        self._adaptive_max_workers = adaptive_max_workers
        self._on_execute = on_execute
        self._provider_kwargs = {**kwargs, "skip_cleanup": kwargs.get("skip_cleanup", True)}
        self.executor_kwargs = dict(executor_kwargs or {})
        self._security = security
        self.cluster = None
        super().__init__(labels=labels, on_start=on_start, on_exit=on_exit, metadata=metadata)
