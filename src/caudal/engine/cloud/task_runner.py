"""CloudTaskRunner: a TaskRunner whose every state change goes to the run's spool.

The runner itself never calls the server: each change is one line appended to the spool
(``spool.SpoolWriter``), which the run's shipper sends in batches. A checkpointed result's
location goes with the state, so that a restart can read the value back.
"""

from __future__ import annotations

import time
from typing import Any

from caudal.engine.cloud.log_handler import task_fields
from caudal.engine.cloud.spool import STATE, SpoolWriter, cut, iso_utc, json_string
from caudal.engine.state import State
from caudal.engine.task_runner import TaskRunner
from caudal.utilities.context import context as _context

__all__ = ["CloudTaskRunner", "state_record"]


def state_record(fields: tuple[str, int | None], task_name: str, state: State,
                 timestamp: float | None = None) -> str:
    """A task-run state as JSON text, as the server's batch of states takes it
    (``wire.runs.TaskRunState``); ``fields`` name the flow run and the task run
    (``log_handler.task_fields``), ``task_name`` is JSON text already."""
    location = getattr(getattr(state, "stored_result", None), "location", None)
    message = state.message
    head, map_index = fields
    return (f'{{{head},"map_index":{-1 if map_index is None else map_index},'
            f'"task_name":{task_name},"state":"{type(state).__name__}",'
            f'"message":{"null" if message is None else json_string(cut(str(message)))},'
            f'"timestamp":"{iso_utc(time.time() if timestamp is None else timestamp)}",'
            f'"result_location":{json_string(str(location)) if location else "null"}}}')


class CloudTaskRunner(TaskRunner):
    """Runs a task like ``TaskRunner`` and spools each state it enters.

    Args:
        task: the task to run.
        spool: the writer of the run's spool; the one in the context (``spool``) when None.
        **kwargs: as for ``TaskRunner``.
    """

    def __init__(self, task: Any, spool: SpoolWriter | None = None, **kwargs: Any) -> None:
        super().__init__(task, **kwargs)
        self.spool = spool if spool is not None else _context.get("spool")
        self._name = json_string(task.name)

    def _change(self, old: State, new: State) -> State:
        new = super()._change(old, new)
        spool = self.spool
        flow_run_id = _context.get("flow_run_id")
        if spool is not None and flow_run_id:
            spool.append_json(STATE, state_record(task_fields(flow_run_id), self._name, new))
        return new
