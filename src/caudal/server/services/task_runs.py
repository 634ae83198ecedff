"""Task runs: batches of states written in one transaction, read back per flow run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Invalid
from caudal.server.services.batches import record_batch_key
from caudal.server.services.common import as_utc, utcnow
from caudal.server.services.flow_runs import check_flow_runs_exist, flow_run_row
from caudal.server.services.states import task_run_ending
from caudal.wire.ids import task_run_id
from caudal.wire.runs import TaskRun as TaskRunOut
from caudal.wire.states import STATE_KINDS, StateKind

__all__ = ["list_task_runs", "write_task_run_states"]

task_runs = models.task_runs
history = models.task_run_states
runs = models.flow_runs

def write_task_run_states(db: Database, states: list[dict[str, Any]],
                          batch_key: str | None = None) -> int:
    """Write a batch of task-run states (dicts shaped like ``wire.runs.TaskRunState``).

    States of one task run in one batch apply in order: the last is its current state, the
    first Running sets its start, every one goes to the history. A batch whose ``batch_key``
    was written before is not written again (see ``batches``).

    Raises:
        Invalid: an unknown state name; NotFound: an unknown flow run (nothing is written).
    """
    if not states:
        return 0
    now = utcnow()
    current: dict[tuple[str, str, int], dict[str, Any]] = {}
    records = []
    for item in states:
        state = item["state"]
        kind = STATE_KINDS.get(state)
        if kind is None:
            raise Invalid(f"'{state}' is not a state; states are: {', '.join(STATE_KINDS)}.")
        when = item.get("timestamp")
        when = now if when is None else as_utc(when)
        message = item.get("message")
        key = (item["flow_run_id"], item["task_slug"], item.get("map_index", -1))
        row = current.get(key)
        if row is None:
            row = current[key] = {
                "id": task_run_id(*key),  # a uuid5 per task run, not per state
                "flow_run_id": key[0], "task_slug": key[1], "map_index": key[2],
                "task_name": item.get("task_name"), "state": state, "state_message": message,
                "state_timestamp": when, "start_time": None, "end_time": None,
                "result_location": item.get("result_location")}
        else:
            row["state"], row["state_message"], row["state_timestamp"] = state, message, when
            if item.get("task_name"):
                row["task_name"] = item["task_name"]
            if item.get("result_location"):
                row["result_location"] = item["result_location"]
        if state == "Running" and row["start_time"] is None:
            row["start_time"] = when
        row["end_time"] = when if kind is StateKind.FINISHED else None
        records.append({"task_run_id": row["id"], "state": state, "message": message,
                        "timestamp": when})
    # Rows are written in key order: two batches touching the same task runs then lock them
    # in the same order, and cannot deadlock on PostgreSQL.
    ordered = [current[key] for key in sorted(current)]
    written = len(records)
    with db.write() as conn:
        run_states = check_flow_runs_exist(conn, {row["flow_run_id"] for row in ordered},
                                           states=True)
        if batch_key is not None:
            done = record_batch_key(db, conn, batch_key, written, now)
            if done is not None:
                return done
        _end_with_ended_runs(ordered, records, run_states, now)
        db.execute_rows(conn, _upsert(db), ordered)
        db.append_rows(conn, history, records)
    return written


def _end_with_ended_runs(rows: list[dict[str, Any]], records: list[dict[str, Any]],
                         run_states: dict[str, str], now: datetime) -> None:
    """States that arrive after their flow run ended Failed or Cancelled (a batch its dead
    process sent late) are kept, and an unfinished task run ends with its flow run, as those
    that were unfinished when it ended did (``states.task_run_ending``)."""
    endings = {run_id: ending for run_id, state in run_states.items()
               if (ending := task_run_ending(state)) is not None}
    if not endings:
        return
    for row in rows:
        ending = endings.get(row["flow_run_id"])
        if ending is not None and STATE_KINDS[row["state"]] is not StateKind.FINISHED:
            row.update(state=ending[0], state_message=ending[1], state_timestamp=now,
                       end_time=now)
            records.append({"task_run_id": row["id"], "state": ending[0],
                            "message": ending[1], "timestamp": now})


def _upsert(db: Database) -> Any:
    """The task runs' upsert for ``db``'s dialect, built once (``execute_rows`` keeps its
    compiled SQL)."""
    statement = _UPSERTS.get(db.is_sqlite)
    if statement is None:
        from sqlalchemy import func

        statement = db.insert(task_runs)
        excluded = statement.excluded
        statement = _UPSERTS[db.is_sqlite] = statement.on_conflict_do_update(
            index_elements=["flow_run_id", "task_slug", "map_index"],
            set_={
                "state": excluded.state, "state_message": excluded.state_message,
                "state_timestamp": excluded.state_timestamp,
                "task_name": func.coalesce(excluded.task_name, task_runs.c.task_name),
                "start_time": func.coalesce(task_runs.c.start_time, excluded.start_time),
                "end_time": excluded.end_time,
                "result_location": func.coalesce(excluded.result_location,
                                                 task_runs.c.result_location),
            })
    return statement


_UPSERTS: dict[bool, Any] = {}


def list_task_runs(db: Database, flow_run_id: str) -> list[TaskRunOut]:
    """Every task run of a flow run, in the order they started (then slug and map index),
    those not started yet last."""
    with db.read() as conn:
        flow_run_row(conn, flow_run_id)
        # NULLS LAST on both databases (SQLite's default is first): unstarted ones go last.
        rows = conn.execute(select(task_runs).where(task_runs.c.flow_run_id == flow_run_id)
                            .order_by(task_runs.c.start_time.asc().nulls_last(),
                                      task_runs.c.task_slug, task_runs.c.map_index))
        return [TaskRunOut(**r._asdict()) for r in rows]
