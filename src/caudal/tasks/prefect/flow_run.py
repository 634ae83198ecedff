"""create_flow_run, wait_for_flow_run, get_task_run_result: flows of flows, via the server.

Their import paths exist so that flows load; calling them needs the server, which a later
issue delivers.
"""

from __future__ import annotations

from typing import Any

from caudal.exceptions import NotAvailableError

__all__ = ["create_flow_run", "get_task_run_result", "wait_for_flow_run"]


def _needs_server(name: str) -> Any:
    def placeholder(*args: Any, **kwargs: Any) -> Any:
        raise NotAvailableError(name, "the orchestration server issue")

    placeholder.__name__ = name
    return placeholder


create_flow_run = _needs_server("create_flow_run")
wait_for_flow_run = _needs_server("wait_for_flow_run")
get_task_run_result = _needs_server("get_task_run_result")
