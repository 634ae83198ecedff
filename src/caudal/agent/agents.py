"""``LocalAgent`` and ``KubernetesAgent``: agents as Python objects, started with ``start()``,
as Prefect 0.15 scripts start theirs. Each is an ``Agent`` with its launcher; the command
line (``caudal agent local start``, ``caudal agent kubernetes start``) makes the same.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from pathlib import Path

from caudal.agent.agent import Agent, AgentSettings
from caudal.agent.launcher import Launcher

__all__ = ["KubernetesAgent", "LocalAgent"]


class _PythonAgent:
    """What both agents share: settings from keywords and the configuration, and start()."""

    def __init__(self, name: str | None, labels: Iterable[str] | None,
                 env_vars: dict[str, str] | None, limit: int | None,
                 start_timeout_s: float | None, api_url: str | None,
                 api_key: str | None, health_address: str) -> None:
        if isinstance(labels, str):
            raise TypeError(f"labels should be a list of labels, not the string {labels!r}.")
        self.settings = AgentSettings.configured(name, labels or (), env_vars, limit,
                                                 start_timeout_s, api_key=api_key)
        self.api_url = api_url
        self.api_key = api_key
        self.health_address = health_address

    def launcher(self) -> Launcher:
        raise NotImplementedError

    def start(self, max_runs: int | None = None) -> None:
        """Claim and run flow runs until SIGTERM or Ctrl-C."""
        from caudal.agent.serve import serve
        from caudal.client import Client

        with Client(self.api_url, self.api_key) as client:
            serve(Agent(client, self.launcher(), self.settings), self.health_address,
                  max_runs=max_runs)


class LocalAgent(_PythonAgent):
    """Runs flow runs as processes on this machine.

    Args:
        name: the agent's name (default: this host's).
        labels: the labels it takes runs for; this host's name is added unless
            ``hostname_label=False``.
        env_vars: variables set for every run.
        limit, start_timeout_s: as ``caudal agent start``'s options.
        api_url, api_key: the server (default: the configuration's).
    """

    def __init__(self, name: str | None = None, labels: Iterable[str] | None = None,
                 env_vars: dict[str, str] | None = None, hostname_label: bool = True,
                 limit: int | None = None, start_timeout_s: float | None = None,
                 api_url: str | None = None, api_key: str | None = None,
                 health_address: str = "127.0.0.1:0") -> None:
        labels = [*(labels or ()), *([socket.gethostname()] if hostname_label else [])]
        super().__init__(name, labels, env_vars, limit, start_timeout_s, api_url, api_key,
                         health_address)

    def launcher(self) -> Launcher:
        from caudal.agent.local import LocalLauncher
        from caudal.configuration import config

        output = Path(self.settings.home).expanduser() / "agent" / "output"
        return LocalLauncher(output, warm=int(config.agent.warm_processes))


class KubernetesAgent(_PythonAgent):
    """Runs flow runs as Kubernetes Jobs in ``namespace``.

    Args:
        namespace: where its jobs go (default "default").
        service_account_name, image_pull_secrets: defaults for its jobs.
        job_template_path: a job template for runs whose run config has none.
        image: the image of runs whose run config names none.
        delete_finished_jobs: delete a run's job once the run is settled.
        name, labels, env_vars, limit, start_timeout_s, api_url, api_key: as ``LocalAgent``.
    """

    def __init__(self, namespace: str | None = None, service_account_name: str | None = None,
                 image_pull_secrets: Iterable[str] | None = None,
                 job_template_path: str | None = None, image: str | None = None,
                 name: str | None = None, labels: Iterable[str] | None = None,
                 env_vars: dict[str, str] | None = None, delete_finished_jobs: bool = True,
                 limit: int | None = None, start_timeout_s: float | None = 300.0,
                 api_url: str | None = None, api_key: str | None = None,
                 health_address: str = "127.0.0.1:0") -> None:
        from caudal.agent.kubernetes.manifests import (
            JobSettings,
            load_job_template,
            split_names,
        )

        super().__init__(name, labels, env_vars, limit, start_timeout_s, api_url, api_key,
                         health_address)
        self.job_settings = JobSettings(
            namespace=namespace or "default", image=image,
            job_template=load_job_template(job_template_path) if job_template_path else None,
            service_account_name=service_account_name,
            image_pull_secrets=split_names(list(image_pull_secrets or [])))
        self.delete_finished_jobs = delete_finished_jobs

    def launcher(self) -> Launcher:
        from caudal.agent.kubernetes.launcher import KubernetesLauncher

        return KubernetesLauncher(self.job_settings,
                                  delete_finished_jobs=self.delete_finished_jobs)
