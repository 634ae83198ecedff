"""CancelFlowRun: a task that cancels a flow run of the server (Prefect 0.15's task)."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task
from caudal.tasks.prefect.flow_run import _client
from caudal.utilities.tasks import defaults_from_attrs

__all__ = ["CancelFlowRun"]


class CancelFlowRun(Task):
    """Cancel flow run ``flow_run_id``: at once if it has not started, else it is asked to
    stop (``caudal runs cancel``).

    Args:
        flow_run_id: the run to cancel; may be given to ``run`` instead.
        **kwargs: passed to ``Task``.
    """

    def __init__(self, flow_run_id: str | None = None, **kwargs: Any) -> None:
        self.flow_run_id = flow_run_id
        super().__init__(**kwargs)

    @defaults_from_attrs("flow_run_id")
    def run(self, flow_run_id: str | None = None) -> bool:
        """Cancel the run; whether it is now Cancelled or Cancelling.

        Raises:
            ValueError: no flow run id was given.
            ClientError: the run had already finished (409), or it does not exist.
        """
        if not flow_run_id:
            raise ValueError("Can't cancel a flow run without flow run ID.")
        return bool(_client().cancel_flow_run(flow_run_id))
