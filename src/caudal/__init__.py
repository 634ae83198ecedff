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

from caudal import triggers
from caudal.configuration import config
from caudal.core import Flow, Parameter, Task
from caudal.engine import signals, state
from caudal.tasks.control_flow import case
from caudal.tasks.core.resource_manager import resource_manager
from caudal.utilities.context import context
from caudal.utilities.edges import flatten, mapped, unmapped
from caudal.utilities.tasks import apply_map, tags, task

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

# Submodules that Prefect 0.15 code reaches as attributes of the package
# (``prefect.schedules.IntervalSchedule``) are imported on first use, not at import time.
_LAZY_MODULES = {
    "agent", "backend", "client", "engine", "executors", "exceptions", "run_configs",
    "schedules", "serialization", "storage", "tasks", "utilities", "core",
}


def __getattr__(name: str) -> object:
    if name == "Client":
        from caudal.client import Client

        return Client
    if name in _LAZY_MODULES:
        return _importlib.import_module(f"caudal.{name}")
    raise AttributeError(f"module 'caudal' has no attribute '{name}'")
