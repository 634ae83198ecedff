"""Helpers behind the flow API: context, logging, edges, the task decorator.

Submodules load on first use, so Prefect-style chains (``caudal.utilities.edges.unmapped``)
work after a bare ``import caudal``.
"""

import importlib as _importlib

_SUBMODULES = {"collections", "configuration", "context", "debug", "edges", "filesystems",
               "graphql", "logging", "notifications", "placeholders", "tasks"}


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
