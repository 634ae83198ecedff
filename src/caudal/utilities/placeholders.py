"""Stand-ins for Prefect 0.15 names whose behaviour a later caudal release delivers.

The import works, so a flow file that imports the name loads; using it raises
``NotAvailableError`` saying what brings it.
"""

from __future__ import annotations

from typing import Any

from caudal.exceptions import NotAvailableError

__all__ = ["NOT_AVAILABLE_ATTRIBUTE", "unavailable"]

NOT_AVAILABLE_ATTRIBUTE = "__caudal_not_available__"
"""The attribute that marks a placeholder class; it holds the message its use raises, so that
``caudal migrate`` can report a use without constructing anything."""


def unavailable(name: str, arrives_with: str, module: str) -> type:
    """A class named ``name`` whose construction raises NotAvailableError."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        raise NotAvailableError(name, arrives_with)

    return type(name, (), {"__init__": __init__, "__module__": module,
                           "__doc__": f"Not available yet: arrives with {arrives_with}.",
                           NOT_AVAILABLE_ATTRIBUTE: str(NotAvailableError(name, arrives_with))})
