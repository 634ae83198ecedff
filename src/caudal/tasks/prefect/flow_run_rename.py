"""RenameFlowRun: a task that renames a flow run of the server (Prefect 0.15's task)."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task
from caudal.tasks.prefect.flow_run import _client
from caudal.utilities.context import context
from caudal.utilities.tasks import defaults_from_attrs

__all__ = ["RenameFlowRun"]


class RenameFlowRun(Task):
    """Rename flow run ``flow_run_id`` (by default the run this task is in) to
    ``flow_run_name``.

    Args:
        flow_run_id: the run to rename; None: this run (``caudal.context.flow_run_id``).
        flow_run_name: the new name.
        **kwargs: passed to ``Task``.

    Example:
        >>> from caudal import Flow
        >>> with Flow("nightly") as flow:
        ...     _ = RenameFlowRun(flow_run_name="nightly 2021-03-04")()
    """

    def __init__(self, flow_run_id: str | None = None, flow_run_name: str | None = None,
                 **kwargs: Any) -> None:
        self.flow_run_id = flow_run_id
        self.flow_run_name = flow_run_name
        super().__init__(**kwargs)

    @defaults_from_attrs("flow_run_id", "flow_run_name")
    def run(self, flow_run_id: str | None = None, flow_run_name: str | None = None) -> bool:
        """Rename the run; True when done.

        Raises:
            ValueError: no run id here or in the context, or no name.
        """
        flow_run_id = flow_run_id or context.get("flow_run_id")
        if not flow_run_id:
            raise ValueError("`flow_run_id` must be given, or the task must run in a flow run "
                             "(caudal.context.flow_run_id).")
        if not flow_run_name:
            raise ValueError("Must provide a flow name.")
        return bool(_client().set_flow_run_name(flow_run_id, flow_run_name))
