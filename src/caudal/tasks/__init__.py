"""Built-in tasks: core (constants, functions, operators), control flow, shell, flow runs,
notifications.

Submodules load on first use, so Prefect-style chains (``caudal.tasks.control_flow.merge``)
work after a bare ``import caudal``.
"""

import importlib as _importlib

_SUBMODULES = {"control_flow", "core", "notifications", "prefect", "resource_manager", "secrets",
               "shell"}


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
