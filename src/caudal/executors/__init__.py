"""Executors decide where a flow run's tasks execute: inline, in a local pool, on a cluster."""

from caudal.executors.base import Executor
from caudal.executors.dask import DaskExecutor
from caudal.executors.local import LocalExecutor
from caudal.executors.local_dask import LocalDaskExecutor

__all__ = ["DaskExecutor", "Executor", "LocalDaskExecutor", "LocalExecutor"]
