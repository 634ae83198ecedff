"""caudal: a self-hostable workflow orchestrator, with Prefect 0.15's flow API.

Flows written for Prefect 0.15 run with ``prefect`` renamed to ``caudal``::

    from caudal import task, Flow, Parameter

    @task
    def double(x):
        return 2 * x

    with Flow("double") as flow:
        out = double(Parameter("x", default=21))

    flow.run()

Importing caudal loads the flow API and the local engine only; the client, the server and the
optional integrations load when first used.
"""

import importlib as _importlib

# Reads and checks the configuration and sets up caudal's loggers, as at any start-up: a
# malformed value fails here, naming its key. Cheap (no flow API, no engine).
from caudal.utilities import logging as _logging  # noqa: F401

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Flow",
    "Parameter",
    "Task",
    "apply_map",
    "case",
    "config",
    "context",
    "flatten",
    "mapped",
    "resource_manager",
    "signals",
    "state",
    "tags",
    "task",
    "triggers",
    "unmapped",
]

# Every name is imported on first use (``from caudal import Flow`` included), so that a part of
# caudal that needs none of them (the server, which only computes schedules; ``caudal flows
# ls``) does not load the flow API and the engine with the package.
_LAZY_NAMES = {
    "Client": "caudal.client",
    "Flow": "caudal.core",
    "Parameter": "caudal.core",
    "Task": "caudal.core",
    "apply_map": "caudal.utilities.tasks",
    "case": "caudal.tasks.control_flow",
    "config": "caudal.configuration",
    "context": "caudal.utilities.context",
    "flatten": "caudal.utilities.edges",
    "mapped": "caudal.utilities.edges",
    "resource_manager": "caudal.tasks.core.resource_manager",
    "signals": "caudal.engine",
    "state": "caudal.engine",
    "tags": "caudal.utilities.tasks",
    "task": "caudal.utilities.tasks",
    "triggers": "caudal",
    "unmapped": "caudal.utilities.edges",
}

# Submodules that Prefect 0.15 code reaches as attributes of the package
# (``prefect.schedules.IntervalSchedule``).
_LAZY_MODULES = {
    "backend", "client", "configuration", "engine", "environments", "executors", "exceptions",
    "run_configs", "schedules", "serialization", "storage", "tasks", "utilities", "core",
    "wire",
}


def __getattr__(name: str) -> object:
    home = _LAZY_NAMES.get(name)
    if home == "caudal":  # a submodule that is also a public name
        value = _importlib.import_module(f"caudal.{name}")
    elif home is not None:
        value = getattr(_importlib.import_module(home), name)
    elif name in _LAZY_MODULES:
        value = _importlib.import_module(f"caudal.{name}")
    else:
        raise AttributeError(f"module 'caudal' has no attribute '{name}'")
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _LAZY_MODULES)
