"""FargateTaskEnvironment: Prefect 0.15's deprecated environment for a run on AWS Fargate."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from caudal.environments.execution.base import Environment

if TYPE_CHECKING:
    from caudal.executors import Executor

__all__ = ["FargateTaskEnvironment"]

# The keyword arguments of boto3's ECS register_task_definition and run_task that Prefect
# 0.15.9 sorts **kwargs into (placementConstraints and tags go to both); it drops the rest.
TASK_DEFINITION_KEYS = frozenset({
    "family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions",
    "volumes", "placementConstraints", "requiresCompatibilities", "cpu", "memory", "tags",
    "pidMode", "ipcMode", "proxyConfiguration", "inferenceAccelerators"})
TASK_RUN_KEYS = frozenset({
    "cluster", "taskDefinition", "count", "startedBy", "group", "placementConstraints",
    "placementStrategy", "platformVersion", "networkConfiguration", "tags",
    "enableECSManagedTags", "propagateTags"})


class FargateTaskEnvironment(Environment):
    """A run in an AWS Fargate task; kept, never used by caudal (caudal has no ECS agent).

    Args:
        launch_type: ``"FARGATE"`` or ``"EC2"``.
        aws_access_key_id, aws_secret_access_key, aws_session_token, region_name: AWS
            credentials and region, kept as given.
        executor: as for ``LocalEnvironment``.
        labels, on_start, on_exit, metadata: as for ``Environment``.
        **kwargs: boto3 arguments, sorted into ``task_definition_kwargs`` and
            ``task_run_kwargs`` as Prefect 0.15.9 sorts them; unknown ones are dropped.
    """

    def __init__(self, launch_type: str = "FARGATE", aws_access_key_id: str | None = None,
                 aws_secret_access_key: str | None = None,
                 aws_session_token: str | None = None, region_name: str | None = None,
                 executor: Executor | None = None, labels: Iterable[str] | None = None,
                 on_start: Callable | None = None, on_exit: Callable | None = None,
                 metadata: dict | None = None, **kwargs: Any) -> None:
        if executor is None:
            from caudal.executors import LocalExecutor

            executor = LocalExecutor()
        self.launch_type = launch_type
        self.aws_access_key_id = aws_access_key_id
        self.aws_secret_access_key = aws_secret_access_key
        self.aws_session_token = aws_session_token
        self.region_name = region_name
        self.task_definition_kwargs = {k: v for k, v in kwargs.items()
                                       if k in TASK_DEFINITION_KEYS}
        self.task_run_kwargs = {k: v for k, v in kwargs.items() if k in TASK_RUN_KEYS}
        self.executor = executor
        super().__init__(labels=labels, on_start=on_start, on_exit=on_exit, metadata=metadata)
