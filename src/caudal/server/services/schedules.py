"""Schedules: turn an active schedule into its next runs, and switch schedules on and off.

Each scheduled run carries an idempotency key made of its time and its clock's parameters and
labels, unique per flow in the database, so two schedulers (or one that runs twice) can never
create the same run twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Text, and_, cast, delete, func, select, update

from caudal.schedules import Schedule
from caudal.schedules.clocks import ClockEvent
from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Invalid
from caudal.server.services.common import utcnow
from caudal.server.services.flow_runs import insert_flow_runs, new_flow_run_row
from caudal.server.services.flows import flow_row
from caudal.wire.flows import ScheduleState

__all__ = ["delete_future_runs", "fill_due_schedules", "fill_schedule", "read_schedule",
           "schedule_events", "set_schedule_active", "switch_schedule"]

logger = logging.getLogger("caudal.server.Scheduler")

runs = models.flow_runs
flows = models.flows
groups = models.flow_groups


def read_schedule(data: dict[str, Any], flow_name: str) -> Schedule:
    """The schedule a registration described.

    Raises:
        Invalid: the description cannot be read back into a schedule.
    """
    try:
        return Schedule.from_serialized(data)
    except Exception as exc:  # any malformed description is the caller's error, said plainly
        raise Invalid(f"The schedule of flow '{flow_name}' cannot be read: {exc}") from exc


def schedule_events(schedule: Schedule, flow_name: str, now: datetime,
                    ahead: int) -> list[ClockEvent]:
    """The schedule's next ``ahead`` events after ``now``, plus the next event of every clock
    that is not among them (an hourly clock must not hide a daily one), with labels and
    parameters a run can take.

    Raises:
        Invalid: the fire times cannot be computed (a date that never comes, one past the
            year 9999), or a clock's labels or parameter defaults are not what a run holds.
    """
    try:
        events = schedule.next(ahead, after=now, return_events=True)
        if len(schedule.clocks) > 1:
            for clock in schedule.clocks:
                alone = Schedule([clock], schedule.filters, schedule.or_filters,
                                 schedule.not_filters, schedule.adjustments)
                events.extend(e for e in alone.next(1, after=now, return_events=True)
                              if e not in events)
    except Exception as exc:  # croniter's "failed to find next date", date overflows...
        raise Invalid(f"The schedule of flow '{flow_name}' cannot compute its next runs: "
                      f"{exc}") from exc
    for event in events:
        labels, parameters = event.labels, event.parameter_defaults
        if labels is not None and (not isinstance(labels, list)
                                   or not all(isinstance(label, str) for label in labels)):
            raise Invalid(f"The schedule of flow '{flow_name}' has a clock whose labels are "
                          f"not a list of strings: {labels!r}.")
        if not isinstance(parameters, dict):
            raise Invalid(f"The schedule of flow '{flow_name}' has a clock whose parameter "
                          f"defaults are not an object: {parameters!r}.")
    return events


def _run_key(start: datetime, parameters: dict[str, Any], labels: list[str] | None) -> str:
    digest = hashlib.sha256(json.dumps([parameters, labels], sort_keys=True, default=repr)
                            .encode()).hexdigest()[:12]
    return f"auto-scheduled:{start.isoformat()}:{digest}"


def _future_run_count(conn: Connection, group_id: str, now: datetime) -> int:
    return conn.execute(select(func.count()).select_from(runs).where(
        runs.c.flow_group_id == group_id, runs.c.auto_scheduled.is_(True),
        runs.c.state == "Scheduled", runs.c.scheduled_start_time > now)).scalar_one()


def fill_schedule(db: Database, conn: Connection, group_id: str, now: datetime,
                  ahead: int = 10) -> int:
    """Create the next ``ahead`` runs of the flow group's schedule that do not exist yet.

    Returns:
        how many runs were created (0 for an inactive or missing schedule).
    """
    group = conn.execute(select(groups).where(groups.c.id == group_id)).first()
    if group is None or not group.schedule_active or not group.schedule:
        return 0
    flow = conn.execute(select(flows).where(flows.c.flow_group_id == group_id,
                                            flows.c.archived.is_(False))
                        .order_by(flows.c.version.desc()).limit(1)).first()
    if flow is None:
        return 0
    schedule = read_schedule(group.schedule, flow.name)
    rows = []
    for event in schedule_events(schedule, flow.name, now, ahead):
        parameters = dict(event.parameter_defaults or {})
        labels = list(event.labels) if event.labels else None
        rows.append(new_flow_run_row(
            flow, parameters=parameters, labels=labels, now=now,
            scheduled_start_time=event.start_time, auto_scheduled=True,
            idempotency_key=_run_key(event.start_time, parameters, labels)))
    return len(insert_flow_runs(db, conn, rows))


def fill_due_schedules(db: Database, now: datetime | None = None, ahead: int = 10) -> int:
    """One pass of the scheduler: top up every active schedule short of ``ahead`` future runs.

    A schedule that cannot be read is logged and skipped; the others still get their runs.
    """
    now = now or utcnow()
    # Future runs in any state count: one a user cancelled still holds its time, and the
    # schedule must not come back every pass to try to create it again.
    future = (select(runs.c.flow_group_id, func.count().label("n"))
              .where(runs.c.auto_scheduled.is_(True), runs.c.scheduled_start_time > now)
              .group_by(runs.c.flow_group_id).subquery())
    query = (select(groups.c.id, groups.c.name).outerjoin(future, future.c.flow_group_id
                                                          == groups.c.id)
             .where(groups.c.schedule_active.is_(True), groups.c.schedule.is_not(None),
                    # A flow without a schedule holds JSON null, which IS NOT NULL in SQL.
                    cast(groups.c.schedule, Text) != "null",
                    func.coalesce(future.c.n, 0) < ahead))
    with db.read() as conn:
        due = conn.execute(query).all()
    created = 0
    for group_id, name in due:
        try:
            with db.write() as conn:
                created += fill_schedule(db, conn, group_id, now, ahead)
        except Exception:  # one broken schedule must not stop the others
            logger.exception("Could not create the scheduled runs of flow '%s' (%s).",
                             name, group_id)
    return created


def delete_future_runs(conn: Connection, group_id: str, flow_id: str | None = None) -> int:
    """Delete the group's auto-scheduled runs that have not started (of one version if given).

    Runs someone created by hand are kept: they were asked for explicitly.
    """
    condition = and_(runs.c.flow_group_id == group_id, runs.c.auto_scheduled.is_(True),
                     runs.c.state == "Scheduled")
    if flow_id is not None:
        condition = and_(condition, runs.c.flow_id == flow_id)
    # Their state histories go with them (ON DELETE CASCADE).
    return conn.execute(delete(runs).where(condition)).rowcount


def switch_schedule(conn: Connection, group_id: str, active: bool, now: datetime) -> None:
    """Set the flow group's schedule switch; switching off deletes its future scheduled runs.

    The one place the switch changes (the API's switch and an explicit choice at
    registration); runs for a switch turned on are made by ``fill_schedule``.
    """
    conn.execute(update(groups).where(groups.c.id == group_id)
                 .values(schedule_active=active, updated=now))
    if not active:
        delete_future_runs(conn, group_id)


def set_schedule_active(db: Database, flow_id: str, active: bool,
                        ahead: int = 10) -> ScheduleState:
    """Switch the schedule of the flow that ``flow_id`` is a version of.

    Switching off deletes its future scheduled runs; switching on creates them again.
    """
    now = utcnow()
    with db.write() as conn:
        group_id = flow_row(conn, flow_id).flow_group_id
        switch_schedule(conn, group_id, active, now)
        if active:
            fill_schedule(db, conn, group_id, now, ahead)
        count = _future_run_count(conn, group_id, now)
    return ScheduleState(flow_group_id=group_id, active=active, scheduled_runs=count)
