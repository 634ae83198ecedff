"""Run configs (Prefect 0.15 paths); arrive with the schedules, storage and serialization issue."""

from caudal.utilities.placeholders import unavailable

RunConfig = unavailable("RunConfig", "the schedules, storage and serialization issue", __name__)
UniversalRun = unavailable("UniversalRun", "the schedules, storage and serialization issue", __name__)
LocalRun = unavailable("LocalRun", "the schedules, storage and serialization issue", __name__)
KubernetesRun = unavailable("KubernetesRun", "the schedules, storage and serialization issue", __name__)
DockerRun = unavailable("DockerRun", "the schedules, storage and serialization issue", __name__)

__all__ = ["DockerRun", "KubernetesRun", "LocalRun", "RunConfig", "UniversalRun"]
