"""Prefect 0.15's older path for executors; the real home is ``caudal.executors``."""

from caudal.executors import DaskExecutor, Executor, LocalDaskExecutor, LocalExecutor

__all__ = ["DaskExecutor", "Executor", "LocalDaskExecutor", "LocalExecutor"]
