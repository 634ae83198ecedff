"""Views of flows and runs on the server (Prefect 0.15's ``prefect.backend``).

``FlowRunView`` and ``FlowView`` are snapshots read through ``caudal.client``;
``watch_flow_run`` follows a run's states and logs until it finishes.
"""

from caudal.backend.flow import FlowView
from caudal.backend.flow_run import FlowRunLog, FlowRunView, watch_flow_run
from caudal.backend.task_run import TaskRunView

__all__ = ["FlowRunLog", "FlowRunView", "FlowView", "TaskRunView", "watch_flow_run"]
