"""TaskRunView: one task run of a flow run, as the server last described it (Prefect 0.15)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from caudal.backend.flow import ensure_client
from caudal.engine.state import State
from caudal.serialization.states import state_from_wire
from caudal.wire.runs import TaskRun

if TYPE_CHECKING:
    from caudal.client.client import Client

__all__ = ["TaskRunView"]


class TaskRunView:
    """A snapshot of one task run: its slug, map index and state.

    Args:
        task_run_id: the task run's id.
        task_slug: the task's slug in its flow (``"double-1"``).
        name: the task's name (or its run name).
        state: its state, as an engine ``State``.
        map_index: the child's index for a mapped task; -1 otherwise (and for the parent).
        flow_run_id: the flow run it belongs to.
        result_location: where its result was written, if it was checkpointed.
        start_time: when it started running, if it did.
        end_time: when it finished, if it did.
    """

    def __init__(self, task_run_id: str, task_slug: str, name: str | None, state: State,
                 map_index: int, flow_run_id: str, result_location: str | None = None,
                 start_time: datetime.datetime | None = None,
                 end_time: datetime.datetime | None = None) -> None:
        self.task_run_id = task_run_id
        self.task_slug = task_slug
        self.name = name
        self.state = state
        self.map_index = map_index
        self.flow_run_id = flow_run_id
        self.result_location = result_location
        self.start_time = start_time
        self.end_time = end_time
        self._client: Client | None = None

    @classmethod
    def from_wire(cls, task_run: TaskRun, client: Client | None = None) -> TaskRunView:
        """The view of a task run the server described (``client``: the one that asked,
        which ``get_result`` reads with)."""
        view = cls(
            task_run_id=task_run.id, task_slug=task_run.task_slug, name=task_run.task_name,
            state=state_from_wire(task_run.state, task_run.state_message,
                                  task_run.state_timestamp),
            map_index=task_run.map_index, flow_run_id=task_run.flow_run_id,
            result_location=task_run.result_location, start_time=task_run.start_time,
            end_time=task_run.end_time,
        )
        view._client = client
        return view

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None}  # pickled without its client

    def get_result(self) -> Any:
        """The value this task run returned, read from its recorded location with the
        result type its flow stored it with (the flow is loaded from its storage, so this
        needs the flow's packages); for the parent of a mapped task, every child's value.

        Raises:
            ValueError: the task run stored no result (it did not succeed, its flow ran
                without checkpointing, or the task has ``checkpoint=False``).
        """
        # The reader loads flows and results: imported here, so the views load nothing of
        # the engine until a value is asked for.
        from caudal.tasks.prefect.flow_run import read_task_run_result

        return read_task_run_result(ensure_client(self._client), self.flow_run_id,
                                    self.task_slug, self.map_index)

    def __repr__(self) -> str:
        index = "" if self.map_index == -1 else f", map_index={self.map_index}"
        return (f"TaskRunView(task_run_id={self.task_run_id!r}, task_slug={self.task_slug!r}"
                f"{index}, state={self.state!r})")
