"""Builders for server tests: real flows registered over HTTP, runs, agents and rows.

Flows are built with the real library (``caudal.Flow``, ``Parameter``, ``task``) and sent as
``flow.register`` sends them, so the server sees exactly what users' flows produce.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from caudal import Flow, Parameter, task
from caudal.schedules import Schedule
from caudal.schedules.clocks import Clock, IntervalClock
from caudal.server.db import models
from caudal.server.db.engine import Database

__all__ = ["HOURLY", "build_flow", "claim", "create_project", "create_run", "hourly",
           "register", "register_agent", "registration", "run_row", "runs_of", "set_state",
           "utcnow"]

HOURLY = dt.timedelta(hours=1)


@task
def extract(source: str) -> str:
    return source


@task
def load(rows: str) -> int:
    return len(rows)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hourly(**clock_options: Any) -> Schedule:
    """A schedule of one hourly clock (counted from 2019-01-01, so it fires on the hour)."""
    return Schedule(clocks=[IntervalClock(HOURLY, **clock_options)])


def build_flow(name: str = "etl", *, schedule: Schedule | list[Clock] | None = None,
               required: bool = False, changed: bool = False) -> Flow:
    """The test flow: ``extract(source)``; with ``changed`` also ``load``, so its hash differs.

    ``required`` adds a parameter 'day' without a default.
    """
    if isinstance(schedule, list):
        schedule = Schedule(clocks=schedule)
    with Flow(name, schedule=schedule) as flow:
        source = Parameter("source", default="s3://raw")
        rows = extract(source)
        if required:
            flow.add_task(Parameter("day"))
        if changed:
            load(rows)
    return flow


def registration(project: str, flow: Flow, labels: list[str] | None = None,
                 **extra: Any) -> dict[str, Any]:
    """The body of POST /api/flows/register for ``flow``, as ``flow.register`` sends it."""
    return {"project": project, "name": flow.name, "hash": flow.serialized_hash(),
            "serialized": flow.serialize(), "labels": labels or [], **extra}


def create_project(api: httpx.Client, name: str = "pipelines") -> str:
    response = api.post("/api/projects", json={"name": name})
    assert response.status_code == 201, response.text
    return name


def register(api: httpx.Client, flow: Flow, project: str = "pipelines",
             labels: list[str] | None = None, expect: int = 201,
             **extra: Any) -> dict[str, Any]:
    """Register ``flow`` and return the RegistrationResult (asserting the status code)."""
    response = api.post("/api/flows/register", json=registration(project, flow, labels, **extra))
    assert response.status_code == expect, response.text
    return response.json()


def create_run(api: httpx.Client, expect: int = 201, **body: Any) -> dict[str, Any]:
    """POST /api/flow-runs; ``scheduled_start_time`` may be a datetime."""
    when = body.get("scheduled_start_time")
    if isinstance(when, dt.datetime):
        body["scheduled_start_time"] = when.isoformat()
    response = api.post("/api/flow-runs", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def set_state(api: httpx.Client, run_id: str, state: str, expect: int = 200,
              **body: Any) -> dict[str, Any]:
    response = api.post(f"/api/flow-runs/{run_id}/state", json={"state": state, **body})
    assert response.status_code == expect, response.text
    return response.json()


def register_agent(api: httpx.Client, name: str = "etl-1",
                   labels: list[str] | None = None) -> str:
    response = api.post("/api/agents", json={"name": name, "labels": labels or []})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def claim(api: httpx.Client, agent_id: str, limit: int = 10,
          wait_s: float = 0.0) -> list[dict[str, Any]]:
    response = api.post(f"/api/agents/{agent_id}/claim", json={"limit": limit, "wait_s": wait_s})
    assert response.status_code == 200, response.text
    return response.json()


runs_table = models.flow_runs


def runs_of(db: Database, flow_group_id: str | None = None) -> list[Any]:
    """Every flow_runs row (of one flow group if given), by scheduled time."""
    query = select(runs_table).order_by(runs_table.c.scheduled_start_time, runs_table.c.id)
    if flow_group_id is not None:
        query = query.where(runs_table.c.flow_group_id == flow_group_id)
    with db.read() as conn:
        return conn.execute(query).all()


def run_row(db: Database, run_id: str) -> Any:
    """The flow_runs row, with what the API does not show (``times_resurrected``)."""
    with db.read() as conn:
        return conn.execute(select(runs_table).where(runs_table.c.id == run_id)).one()


def run_together(job: Callable[[int, Database], None],
                 databases: list[Database]) -> list[BaseException]:
    """Run ``job(i, database)`` for each database in its own thread, all starting at once
    behind a barrier; dispose the databases; return what the threads raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(databases))

    def guarded(i: int, database: Database) -> None:
        try:
            start.wait()
            job(i, database)
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i, d)) for i, d in enumerate(databases)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for database in databases:
            database.dispose()
    return errors
