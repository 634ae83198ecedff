"""Runs for the server: the runners an agent's run process uses, and what they report with.

``execute_flow_run`` (``caudal execute flow-run ID``) runs one registered flow's run;
``CloudFlowRunner`` and ``CloudTaskRunner`` are Prefect 0.15's names for its runners. Names
load on first use: the agent imports ``spool`` alone, never the engine.
"""

import importlib as _importlib

__all__ = ["CloudFlowRunner", "CloudTaskRunner", "execute_flow_run"]

_LAZY_NAMES = {
    "CloudFlowRunner": "caudal.engine.cloud.flow_runner",
    "CloudTaskRunner": "caudal.engine.cloud.task_runner",
    "execute_flow_run": "caudal.engine.cloud.flow_runner",
}


def __getattr__(name: str) -> object:
    home = _LAZY_NAMES.get(name)
    if home is None:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    value = getattr(_importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
