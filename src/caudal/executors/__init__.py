"""Executors decide where a flow run's tasks execute: inline, in a local pool, on a cluster.

The parallel executors load on first use: a flow run on the default LocalExecutor never pays
for process pools or dask.
"""

from __future__ import annotations

import importlib as _importlib

from caudal.executors.base import Executor
from caudal.executors.local import LocalExecutor

__all__ = ["DaskExecutor", "Executor", "LocalDaskExecutor", "LocalExecutor"]

_LAZY = {"LocalDaskExecutor": "caudal.executors.local_dask", "DaskExecutor": "caudal.executors.dask"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(_importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'caudal.executors' has no attribute '{name}'")
