"""Executors decide where a flow run's tasks execute."""

from caudal.executors.base import Executor
from caudal.executors.dask import DaskExecutor, LocalDaskExecutor
from caudal.executors.local import LocalExecutor

__all__ = ["DaskExecutor", "Executor", "LocalDaskExecutor", "LocalExecutor"]
