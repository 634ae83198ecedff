"""LocalExecutor: runs each task in the calling thread, one after the other (the default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from caudal.executors.base import Executor

__all__ = ["LocalExecutor"]


class LocalExecutor(Executor):
    """Runs every task inline, in order; nothing to start, no threads.

    Example:
        >>> from caudal import Flow, task
        >>> from caudal.executors import LocalExecutor
        >>> with Flow("local", executor=LocalExecutor()) as flow:
        ...     t = task(lambda: 1, name="one")()
        >>> flow.run().is_successful()
        True
    """

    inline = True

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)
