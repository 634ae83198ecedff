"""LocalDaskExecutor and DaskExecutor: parallel and distributed task runs.

Their import paths exist so that flows load; running on them arrives with the executors issue.
"""

from __future__ import annotations

from typing import Any

from caudal.exceptions import NotAvailableError
from caudal.executors.base import Executor

__all__ = ["DaskExecutor", "LocalDaskExecutor"]


class LocalDaskExecutor(Executor):
    """Runs tasks in parallel in threads or processes on this machine (not available yet)."""

    def __init__(self, scheduler: str = "threads", **kwargs: Any) -> None:
        raise NotAvailableError("LocalDaskExecutor", "the executors and results issue")


class DaskExecutor(Executor):
    """Runs tasks on a dask.distributed cluster (not available yet)."""

    def __init__(self, address: str | None = None, **kwargs: Any) -> None:
        raise NotAvailableError("DaskExecutor", "the executors and results issue")
