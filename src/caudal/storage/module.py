"""Module: flows found by importing a Python module that the agent's environment has."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from caudal.storage.base import Storage
from caudal.storage.extract import extract_flows, pick_flow

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["Module"]


class Module(Storage):
    """Flows that live in an importable module, such as an installed ``pipelines`` package.

    Nothing is uploaded: the agent imports ``module`` (a module that star-imports every
    agency's flows works too) and takes the flow of the right name from it, so the agent's
    environment must have the package installed at the right version.

    Args:
        module: the dotted module name, such as ``"pipelines.flows"``.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Example:
        >>> storage = Module("pipelines.flows")
        >>> storage.serialize()["module"]
        'pipelines.flows'
    """

    def __init__(self, module: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.module = module

    def add_flow(self, flow: Flow) -> str:
        """Record that ``flow`` is found in the module; returns the module name.

        Raises:
            ValueError: a flow of that name is already here.
        """
        self._check_new(flow)
        self._record_source(flow)
        self.flows[flow.name] = self.module
        return self.module

    def get_flow(self, flow_name: str) -> Flow:
        """Import the module and return its flow ``flow_name`` (see ``Storage.get_flow``)."""
        self._check_contains(flow_name)
        return pick_flow(extract_flows(self.module), flow_name, self.module)

    def _read_source(self, flow_name: str) -> str | None:
        from caudal.storage.extract import find_flow_source

        found = find_flow_source(self.get_flow(flow_name))
        return found[1] if found else None

    def _settings(self) -> dict[str, Any]:
        return {"module": self.module}
