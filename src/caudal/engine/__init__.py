"""The local engine: states, signals, and the runners that take a flow run to its end.

Names load on first use, so ``import caudal.engine.state`` (the client, the CLI) does not load
the runners and every Result with the package.
"""

import importlib as _importlib

__all__ = ["FlowRunner", "TaskRunner", "cache_validators", "result", "results", "serializers",
           "signals", "state"]

_LAZY_NAMES = {
    "FlowRunner": "caudal.engine.flow_runner",
    "TaskRunner": "caudal.engine.task_runner",
}

# Submodules that Prefect 0.15 code reaches as attributes of the package
# (``prefect.engine.signals.FAIL`` after ``import prefect``).
_LAZY_MODULES = {
    "cache_validators", "executors", "flow_run", "flow_runner", "result", "results", "runner",
    "serializers", "signals", "state", "task_runner",
}


def __getattr__(name: str) -> object:
    home = _LAZY_NAMES.get(name)
    if home is not None:
        value = getattr(_importlib.import_module(home), name)
    elif name in _LAZY_MODULES:
        value = _importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _LAZY_MODULES)
