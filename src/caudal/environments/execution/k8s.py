"""KubernetesJobEnvironment: Prefect 0.15's deprecated environment for a run in a k8s Job."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from caudal.environments.execution.base import Environment

if TYPE_CHECKING:
    from caudal.executors import Executor

__all__ = ["KubernetesJobEnvironment"]


class KubernetesJobEnvironment(Environment):
    """A run in a Kubernetes Job built from ``job_spec_file``; kept, never used by caudal.

    Use ``caudal.run_configs.KubernetesRun(job_template_path=...)`` and a Kubernetes agent.

    Args:
        job_spec_file: path to the Job's YAML; it must exist (a missing file raises
            ``FileNotFoundError`` here, as in Prefect 0.15.9).
        unique_job_name: whether Prefect added a random suffix to the Job's name.
        executor: as for ``LocalEnvironment``.
        labels, on_start, on_exit, metadata: as for ``Environment``.
    """

    def __init__(self, job_spec_file: str | None = None, unique_job_name: bool = False,
                 executor: Executor | None = None, labels: Iterable[str] | None = None,
                 on_start: Callable | None = None, on_exit: Callable | None = None,
                 metadata: dict | None = None) -> None:
        if job_spec_file is not None:
            Path(job_spec_file).read_bytes()  # fail now, as Prefect does, on a wrong path
        if executor is None:
            from caudal.executors import LocalExecutor

            executor = LocalExecutor()
        self.job_spec_file = job_spec_file
        self.unique_job_name = unique_job_name
        self.executor = executor
        self._identifier_label = ""
        super().__init__(labels=labels, on_start=on_start, on_exit=on_exit, metadata=metadata)

    @property
    def identifier_label(self) -> str:
        """The label Prefect put on the Job to find it again; empty until a run sets it."""
        return self._identifier_label
