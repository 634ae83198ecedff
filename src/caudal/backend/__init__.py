"""Views of flows and runs on the server (Prefect 0.15 path); arrive with the orchestration server issue."""

from caudal.utilities.placeholders import unavailable

FlowRunView = unavailable("FlowRunView", "the orchestration server issue", __name__)
FlowView = unavailable("FlowView", "the orchestration server issue", __name__)
TaskRunView = unavailable("TaskRunView", "the orchestration server issue", __name__)

__all__ = ["FlowRunView", "FlowView", "TaskRunView"]
