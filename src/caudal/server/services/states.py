"""Flow run state changes: one function per transition, shared by the API, scheduler and reaper.

The rules follow Prefect's lifecycle: a finished run moves only back to Scheduled (a restart);
only a run that is waiting can be Submitted or start Running; cancelling a run that has not
started cancels it at once, cancelling a running one asks its agent to stop it (Cancelling).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Conflict, Invalid
from caudal.server.events import RunChange, record_change
from caudal.server.services.common import utcnow
from caudal.server.services.flow_runs import flow_run_out, flow_run_row
from caudal.wire.runs import FlowRun as FlowRunOut
from caudal.wire.runs import StateSet
from caudal.wire.states import FAILED_STATES, STATE_KINDS, StateKind

__all__ = ["cancel_flow_run", "check_transition", "record_heartbeat", "set_flow_run_state",
           "write_state"]

runs = models.flow_runs
history = models.flow_run_states
task_runs = models.task_runs
task_history = models.task_run_states


def check_transition(run: Any, new: str) -> None:
    """Raise if ``run`` (a flow_runs row) cannot move to state ``new``.

    Raises:
        Invalid: ``new`` is not a state name.
        Conflict: the lifecycle does not allow the move; the message says why.
    """
    if new not in STATE_KINDS:
        raise Invalid(f"'{new}' is not a state; states are: {', '.join(STATE_KINDS)}.")
    old_kind, new_kind = STATE_KINDS[run.state], STATE_KINDS[new]
    what = f"Flow run '{run.name}' ({run.id}) is {run.state}"
    if old_kind is StateKind.FINISHED and new not in ("Scheduled", "Pending"):
        raise Conflict(f"{what}, a finished state; only a restart (Scheduled) can move it.")
    if new_kind is StateKind.SUBMITTED and old_kind is not StateKind.PENDING:
        raise Conflict(f"{what}; only a waiting run can be {new}.")
    if new == "Running" and old_kind is StateKind.RUNNING:
        raise Conflict(f"{what} already; another process is running it.")
    if run.state == "Cancelling" and new_kind in (StateKind.PENDING, StateKind.SUBMITTED):
        raise Conflict(f"{what}; it can only finish now.")
    if new == "Cancelling" and old_kind is not StateKind.RUNNING and \
            old_kind is not StateKind.SUBMITTED:
        raise Conflict(f"{what}; only a submitted or running run can be Cancelling.")


def write_state(conn: Connection, run: Any, state: str, message: str | None, now: datetime,
                scheduled_start_time: datetime | None = None,
                extra: dict[str, Any] | None = None) -> bool:
    """Move ``run`` to ``state`` if nobody changed it since it was read (its version).

    The one path of every flow-run state change: the history gets the state, and the change
    is announced (``events``) once the transaction commits.

    Returns:
        False when another writer changed the run first (nothing was written).
    """
    values: dict[str, Any] = {"state": state, "state_message": message,
                              "state_timestamp": now, "version": run.version + 1}
    kind = STATE_KINDS[state]
    if state == "Running":
        values["heartbeat"] = now
        if run.start_time is None:
            values["start_time"] = now
    if kind is StateKind.FINISHED:
        values["end_time"] = now
    if kind is StateKind.PENDING:
        values["end_time"] = None
        values["agent_id"] = None
        if scheduled_start_time is not None:
            values["scheduled_start_time"] = scheduled_start_time
    values.update(extra or {})
    changed = conn.execute(update(runs).where(runs.c.id == run.id,
                                              runs.c.version == run.version)
                           .values(**values)).rowcount
    if changed:
        conn.execute(history.insert(), {"flow_run_id": run.id, "state": state,
                                        "message": message, "timestamp": now})
        record_change(conn, RunChange(run.id, state, message, now))
        ending = task_run_ending(state)
        if ending is not None:
            _end_unfinished_task_runs(conn, run.id, ending, now)
    return bool(changed)


def task_run_ending(flow_run_state: str) -> tuple[str, str] | None:
    """How a flow run in ``flow_run_state`` ends its unfinished task runs: their state and
    its message; None for a state that does not.

    A flow run that ends Failed or Cancelled while task runs were unfinished (its process
    died, or was stopped) takes them with it: they end Failed, or Cancelled, saying why. So
    do task runs that a batch reports unfinished after the flow run ended
    (``task_runs.write_task_run_states``)."""
    if flow_run_state in FAILED_STATES:
        return "Failed", f"The flow run ended {flow_run_state} while this task run was unfinished."
    if flow_run_state == "Cancelled":
        return "Cancelled", "The flow run ended Cancelled while this task run was unfinished."
    return None


def _end_unfinished_task_runs(conn: Connection, flow_run_id: str, ending: tuple[str, str],
                              now: datetime) -> None:
    unfinished = [name for name, kind in STATE_KINDS.items() if kind is not StateKind.FINISHED]
    ended, message = ending
    ids = [row.id for row in conn.execute(
        select(task_runs.c.id).where(task_runs.c.flow_run_id == flow_run_id,
                                     task_runs.c.state.in_(unfinished)))]
    if not ids:
        return
    conn.execute(update(task_runs).where(task_runs.c.id.in_(ids)).values(
        state=ended, state_message=message, state_timestamp=now, end_time=now))
    conn.execute(task_history.insert(), [{"task_run_id": task_run_id, "state": ended,
                                          "message": message, "timestamp": now}
                                         for task_run_id in ids])


def set_flow_run_state(db: Database, flow_run_id: str, body: StateSet) -> FlowRunOut:
    """Set a run's state following the lifecycle rules (see ``check_transition``).

    Raises:
        NotFound, Invalid, Conflict (also when ``body.version`` is not the run's version).
    """
    now = utcnow()
    with db.write() as conn:
        run = flow_run_row(conn, flow_run_id, lock=True)
        if body.version is not None and body.version != run.version:
            raise Conflict(f"Flow run '{run.name}' ({run.id}) is at version {run.version}, "
                           f"not {body.version}: its state changed to {run.state} meanwhile.")
        check_transition(run, body.state)
        if not write_state(conn, run, body.state, body.message, now,
                           scheduled_start_time=body.start_time):
            raise Conflict(f"Flow run '{run.name}' ({run.id}) changed while its state was "
                           "being set; read it again and retry.")
        return flow_run_out(flow_run_row(conn, flow_run_id))


def cancel_flow_run(db: Database, flow_run_id: str) -> FlowRunOut:
    """Cancel a run: at once if it has not started, through its agent (Cancelling) if it has.

    The answer is the run as cancelled (Cancelled or Cancelling): a cancellation is never
    answered without having been written.

    Raises:
        NotFound; Conflict: the run has already finished.
    """
    now = utcnow()
    with db.write() as conn:
        # Locked: a runner moving it to Running waits for this cancellation, then finds
        # the run Cancelling (and is refused), instead of both writes racing.
        run = flow_run_row(conn, flow_run_id, lock=True)
        kind = STATE_KINDS[run.state]
        if kind is StateKind.FINISHED:
            raise Conflict(f"Flow run '{run.name}' ({run.id}) has already finished "
                           f"({run.state}); there is nothing to cancel.")
        if run.state == "Cancelling":
            return flow_run_out(run)
        if kind is StateKind.PENDING:
            state, message = "Cancelled", "Cancelled before it started."
        else:
            state, message = "Cancelling", ("Cancellation requested; waiting for the agent "
                                            "to stop the run.")
        if not write_state(conn, run, state, message, now):
            raise Conflict(f"Flow run '{run.name}' ({run.id}) changed while it was being "
                           "cancelled; nothing was written. Cancel it again.")
        return flow_run_out(flow_run_row(conn, flow_run_id))


def record_heartbeat(db: Database, flow_run_id: str) -> FlowRunOut:
    """Note that the run's process is alive; return the run, so that its process sees a
    cancellation (Cancelling) in the answer to its next heartbeat.

    Raises:
        NotFound; Conflict: the run has finished (its process should stop).
    """
    now = utcnow()
    with db.write() as conn:
        run = flow_run_row(conn, flow_run_id, lock=True)
        if STATE_KINDS[run.state] is StateKind.FINISHED:
            raise Conflict(f"Flow run '{run.name}' ({run.id}) is {run.state}; it takes no "
                           "more heartbeats.")
        conn.execute(update(runs).where(runs.c.id == flow_run_id).values(heartbeat=now))
        return flow_run_out(flow_run_row(conn, flow_run_id))
