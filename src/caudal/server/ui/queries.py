"""What the pages read that the API's services do not already give: a few aggregates and
per-flow strips, each one indexed query (the runs' time, group-and-time and state-and-time
indexes; the logs' run-and-id index)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.flow_runs import flow_run_out, runs_query
from caudal.wire.runs import FlowRun
from caudal.wire.states import FAILED_STATES

__all__ = ["LogCounts", "StripRun", "TaskRow", "child_task_runs", "children_of",
           "failures_since", "flow_tasks", "last_runs_by_group", "late_runs", "log_counts",
           "runs_in_flight", "state_counts_since", "task_rows", "upcoming_runs"]

runs = models.flow_runs
logs = models.logs
flows = models.flows

RUNNING_STATES = ("Submitted", "Running", "Cancelling")


def state_counts_since(db: Database, since: datetime) -> dict[str, int]:
    """How many runs due since ``since`` are in each state."""
    query = (select(runs.c.state, func.count()).where(runs.c.scheduled_start_time >= since)
             .group_by(runs.c.state))
    with db.read() as conn:
        return {state: count for state, count in conn.execute(query)}


def failures_since(db: Database, since: datetime, limit: int = 20) -> list[FlowRun]:
    """The latest failed runs due since ``since``, newest first, with their messages."""
    query = (runs_query().where(runs.c.state.in_(sorted(FAILED_STATES)),
                                runs.c.scheduled_start_time >= since)
             .order_by(runs.c.scheduled_start_time.desc(), runs.c.id.desc()).limit(limit))
    with db.read() as conn:
        return [flow_run_out(r) for r in conn.execute(query)]


def late_runs(db: Database, now: datetime, grace: timedelta = timedelta(seconds=30),
              limit: int = 20) -> list[FlowRun]:
    """Runs still waiting for an agent well after they were due, the most late first."""
    query = (runs_query().where(runs.c.state.in_(("Scheduled", "Submitted")),
                                runs.c.scheduled_start_time < now - grace)
             .order_by(runs.c.scheduled_start_time, runs.c.id).limit(limit))
    with db.read() as conn:
        return [flow_run_out(r) for r in conn.execute(query)]


def upcoming_runs(db: Database, now: datetime, limit: int = 15,
                  flow_group_id: str | None = None) -> list[FlowRun]:
    """The next scheduled runs, soonest first."""
    query = runs_query().where(runs.c.state == "Scheduled", runs.c.scheduled_start_time >= now)
    if flow_group_id is not None:
        query = query.where(runs.c.flow_group_id == flow_group_id)
    query = query.order_by(runs.c.scheduled_start_time, runs.c.id).limit(limit)
    with db.read() as conn:
        return [flow_run_out(r) for r in conn.execute(query)]


@dataclass(frozen=True)
class StripRun:
    """What a run-history bar needs of a run."""

    id: str
    name: str
    state: str
    start_time: datetime | None
    end_time: datetime | None


def last_runs_by_group(db: Database, group_ids: Iterable[str], now: datetime,
                       per_group: int = 12) -> dict[str, list[StripRun]]:
    """Each flow group's latest runs that are due (oldest first), for its history strip:
    one short query per group on the group-and-time index, reading five columns."""
    found: dict[str, list[StripRun]] = {}
    with db.read() as conn:
        for group_id in group_ids:
            query = (select(runs.c.id, runs.c.name, runs.c.state, runs.c.start_time,
                            runs.c.end_time)
                     .where(runs.c.flow_group_id == group_id,
                            runs.c.scheduled_start_time <= now)
                     .order_by(runs.c.scheduled_start_time.desc(), runs.c.id.desc())
                     .limit(per_group))
            found[group_id] = [StripRun(r.id, r.name, r.state, _aware(r.start_time),
                                        _aware(r.end_time))
                               for r in conn.execute(query)][::-1]
    return found


def _aware(value: datetime | None) -> datetime | None:
    from caudal.server.services.common import as_utc

    return None if value is None else as_utc(value)


def runs_in_flight(db: Database) -> dict[str, int]:
    """How many runs each agent has Submitted or Running, by agent id."""
    query = (select(runs.c.agent_id, func.count())
             .where(runs.c.state.in_(RUNNING_STATES), runs.c.agent_id.is_not(None))
             .group_by(runs.c.agent_id))
    with db.read() as conn:
        return {agent_id: count for agent_id, count in conn.execute(query)}


def children_of(db: Database, flow_run_id: str, limit: int = 200) -> list[FlowRun]:
    query = (runs_query().where(runs.c.parent_flow_run_id == flow_run_id)
             .order_by(runs.c.scheduled_start_time, runs.c.id).limit(limit))
    with db.read() as conn:
        return [flow_run_out(r) for r in conn.execute(query)]


@dataclass(frozen=True)
class LogCounts:
    lines: int
    warnings: int
    errors: int


def log_counts(db: Database, flow_run_id: str) -> LogCounts:
    """How many lines a run logged, and how many were warnings and errors."""
    query = select(func.count(), func.sum(_between(30, 40)), func.sum(_between(40, 1000))
                   ).where(logs.c.flow_run_id == flow_run_id)
    with db.read() as conn:
        lines, warnings, errors = conn.execute(query).one()
    return LogCounts(int(lines or 0), int(warnings or 0), int(errors or 0))


def _between(low: int, high: int) -> Any:
    from sqlalchemy import case

    return case((and_(logs.c.level >= low, logs.c.level < high), 1), else_=0)


def flow_tasks(db: Database, flow_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tasks and edges of a flow version, as its registration serialized them."""
    with db.read() as conn:
        serialized = conn.execute(select(flows.c.serialized).where(flows.c.id == flow_id)
                                  ).scalar()
    serialized = serialized or {}
    return list(serialized.get("tasks") or []), list(serialized.get("edges") or [])


@dataclass(frozen=True)
class TaskRow:
    """A task of a run: its own task run, and for a mapped task its children summed up."""

    slug: str
    name: str | None
    state: str
    message: str | None
    start: datetime | None
    end: datetime | None
    children: int = 0
    child_states: dict[str, int] | None = None


def task_rows(db: Database, flow_run_id: str) -> list[TaskRow]:
    """Every task of the run, mapped children summed per task (count by state, first start,
    last end): two indexed queries whatever the number of children."""
    task_runs = models.task_runs
    where = task_runs.c.flow_run_id == flow_run_id
    with db.read() as conn:
        parents = conn.execute(select(
            task_runs.c.task_slug, task_runs.c.task_name, task_runs.c.state,
            task_runs.c.state_message, task_runs.c.start_time, task_runs.c.end_time)
            .where(where, task_runs.c.map_index < 0)).all()
        groups = conn.execute(select(
            task_runs.c.task_slug, task_runs.c.state, func.count(),
            func.min(task_runs.c.start_time), func.max(task_runs.c.end_time))
            .where(where, task_runs.c.map_index >= 0)
            .group_by(task_runs.c.task_slug, task_runs.c.state)).all()
    summed: dict[str, dict[str, Any]] = {}
    for slug, state, count, start, end in groups:
        entry = summed.setdefault(slug, {"states": {}, "start": None, "end": None})
        entry["states"][state] = count
        entry["start"] = min(filter(None, (entry["start"], start)), default=None)
        entry["end"] = max(filter(None, (entry["end"], end)), default=None)
    rows = []
    for slug, name, state, message, start, end in parents:
        entry = summed.pop(slug, None)
        if entry is None:
            rows.append(TaskRow(slug, name, state, message, start, end))
        else:
            # A mapped task's row spans its own run and all its children's.
            rows.append(TaskRow(slug, name, state, message,
                                min(filter(None, (start, entry["start"])), default=None),
                                max(filter(None, (end, entry["end"])), default=None),
                                sum(entry["states"].values()), entry["states"]))
    for slug, entry in summed.items():  # children whose parent row is not written yet
        rows.append(TaskRow(slug, None, "Mapped", None, entry["start"], entry["end"],
                            sum(entry["states"].values()), entry["states"]))
    return rows


def child_task_runs(db: Database, flow_run_id: str, slug: str, offset: int, limit: int
                    ) -> list[Any]:
    """A page of one mapped task's children, by map index."""
    task_runs = models.task_runs
    query = (select(task_runs.c.map_index, task_runs.c.task_name, task_runs.c.state,
                    task_runs.c.state_message, task_runs.c.start_time, task_runs.c.end_time)
             .where(task_runs.c.flow_run_id == flow_run_id, task_runs.c.task_slug == slug,
                    task_runs.c.map_index >= offset)
             .order_by(task_runs.c.map_index).limit(limit))
    with db.read() as conn:
        return list(conn.execute(query).all())
