"""What ``Client.get_flow_run_info`` returns: Prefect 0.15's run info, with engine states."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from caudal.engine.state import State
from caudal.serialization.states import state_from_wire
from caudal.wire.runs import FlowRun, TaskRun

__all__ = ["FlowRunInfoResult", "TaskRunInfoResult"]


@dataclass(frozen=True, slots=True)
class TaskRunInfoResult:
    """One task run of a flow run: its id, task slug, map index and state.

    ``map_index`` is -1 for a task that is not mapped (and for a mapped task's parent).
    """

    id: str
    task_slug: str
    map_index: int
    state: State
    task_name: str | None = None
    result_location: str | None = None

    @classmethod
    def from_wire(cls, task_run: TaskRun) -> TaskRunInfoResult:
        """The info of a task run the server described."""
        return cls(
            id=task_run.id, task_slug=task_run.task_slug, map_index=task_run.map_index,
            state=state_from_wire(task_run.state, task_run.state_message,
                                  task_run.state_timestamp),
            task_name=task_run.task_name, result_location=task_run.result_location,
        )


@dataclass(frozen=True, slots=True)
class FlowRunInfoResult:
    """A flow run as Prefect 0.15's ``Client.get_flow_run_info`` gives it.

    ``state`` is a ``caudal.engine.state`` instance (``Failed("...")``), so
    ``info.state.is_failed()`` works; ``version`` is the run's state version, to pass to
    ``set_flow_run_state(..., version=...)``.
    """

    id: str
    name: str
    flow_id: str
    version: int
    parameters: dict[str, Any]
    context: dict[str, Any]
    labels: list[str]
    scheduled_start_time: datetime.datetime
    state: State
    task_runs: list[TaskRunInfoResult] = field(default_factory=list)
    flow_name: str = ""
    project: str = ""

    @classmethod
    def from_wire(cls, run: FlowRun, task_runs: list[TaskRun] | None = None
                  ) -> FlowRunInfoResult:
        """The info of a flow run (and its task runs) the server described."""
        return cls(
            id=run.id, name=run.name, flow_id=run.flow_id, version=run.version,
            parameters=dict(run.parameters), context=dict(run.context), labels=list(run.labels),
            scheduled_start_time=run.scheduled_start_time,
            state=state_from_wire(run.state, run.state_message, run.state_timestamp,
                                  run.scheduled_start_time),
            task_runs=[TaskRunInfoResult.from_wire(t) for t in task_runs or ()],
            flow_name=run.flow_name, project=run.project,
        )
