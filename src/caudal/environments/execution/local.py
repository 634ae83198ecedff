"""LocalEnvironment: Prefect 0.15's deprecated environment for a run in the agent's process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from caudal.environments.execution.base import Environment

if TYPE_CHECKING:
    from caudal.executors import Executor

__all__ = ["LocalEnvironment"]


class LocalEnvironment(Environment):
    """A run in the agent's own process with ``executor``; kept, never used by caudal.

    Args:
        executor: the executor Prefect ran the flow with; a ``LocalExecutor`` if not given.
        labels, on_start, on_exit, metadata: as for ``Environment``.
    """

    def __init__(self, executor: Executor | None = None, labels: Iterable[str] | None = None,
                 on_start: Callable | None = None, on_exit: Callable | None = None,
                 metadata: dict | None = None) -> None:
        if executor is None:
            from caudal.executors import LocalExecutor

            executor = LocalExecutor()
        self.executor = executor
        super().__init__(labels=labels, on_start=on_start, on_exit=on_exit, metadata=metadata)
