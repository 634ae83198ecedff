"""create_flow_run, wait_for_flow_run, get_task_run_result: flows of flows, via the server.

Their import paths exist so that flows load; calling them raises ``NotAvailableError``
until caudal's agents arrive, since a flow run started from a flow needs an agent to run it.
"""

from __future__ import annotations

from typing import Any

from caudal.exceptions import NotAvailableError

__all__ = ["create_flow_run", "get_task_run_result", "wait_for_flow_run"]


def _needs_server(name: str) -> Any:
    def placeholder(*args: Any, **kwargs: Any) -> Any:
        raise NotAvailableError(name, "caudal's agents, which run the flow runs a flow starts")

    placeholder.__name__ = name
    return placeholder


create_flow_run = _needs_server("create_flow_run")
wait_for_flow_run = _needs_server("wait_for_flow_run")
get_task_run_result = _needs_server("get_task_run_result")
