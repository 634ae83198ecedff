"""Run configs: how an agent launches a flow's runs, and which agents may (labels)."""

from caudal.run_configs.base import RunConfig, UniversalRun
from caudal.run_configs.docker import DockerRun
from caudal.run_configs.kubernetes import KubernetesRun
from caudal.run_configs.local import LocalRun

__all__ = ["DockerRun", "KubernetesRun", "LocalRun", "RunConfig", "UniversalRun"]
