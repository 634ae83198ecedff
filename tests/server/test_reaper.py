"""Reaper: silent Running runs fail, stuck Submitted runs go back to the queue, unconfirmed
cancellations end Cancelled, and everything else is left alone."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.reaper import Reaper
from caudal.server.services.claims import claim_flow_runs

from .helpers import (
    build_flow,
    claim,
    create_run,
    register,
    register_agent,
    run_row,
    set_state,
    utcnow,
)


@pytest.fixture
def run_id(api: httpx.Client, project: str) -> str:
    """A Scheduled run of flow 'etl', due now."""
    flow_id = register(api, build_flow())["flow_id"]
    return create_run(api, flow_id=flow_id)["id"]


def _history(api: httpx.Client, run_id: str) -> list[str]:
    return [s["state"] for s in api.get(f"/api/flow-runs/{run_id}/states").json()]


def test_reaper_fails_running_run_without_heartbeat(
        api: httpx.Client, db: Database, run_id: str) -> None:
    agent = register_agent(api, "etl-1")
    claim(api, agent)
    set_state(api, run_id, "Running")
    beat = run_row(db, run_id).heartbeat

    result = Reaper(db, heartbeat_timeout_s=90).run_once(beat + dt.timedelta(seconds=200))

    assert (result.failed, result.resubmitted, result.cancelled) == (1, 0, 0)
    run = api.get(f"/api/flow-runs/{run_id}").json()
    assert run["state"] == "Failed"
    assert run["state_message"] == ("Marked Failed by the reaper: no heartbeat for 200 s "
                                    "(limit 90 s) from agent 'etl-1'.")
    assert run["end_time"] is not None
    assert _history(api, run_id)[-1] == "Failed"


def test_reaper_names_no_agent_for_run_started_without_one(
        api: httpx.Client, db: Database, run_id: str) -> None:
    set_state(api, run_id, "Running")

    Reaper(db, heartbeat_timeout_s=30).run_once(utcnow() + dt.timedelta(seconds=60))

    message = api.get(f"/api/flow-runs/{run_id}").json()["state_message"]
    assert message.startswith("Marked Failed by the reaper: no heartbeat for ")
    assert message.endswith("(limit 30 s) from its agent.")


def test_reaper_reschedules_run_submitted_but_never_started(
        api: httpx.Client, db: Database, run_id: str) -> None:
    agent = register_agent(api, "etl-1")
    taken_at = utcnow()
    claim_flow_runs(db, agent, now=taken_at)

    result = Reaper(db, submitted_timeout_s=120).run_once(taken_at + dt.timedelta(seconds=121))

    assert (result.failed, result.resubmitted, result.cancelled) == (0, 1, 0)
    row = run_row(db, run_id)
    assert (row.state, row.times_resurrected, row.agent_id) == ("Scheduled", 1, None)
    assert row.state_message == ("Resubmitted by the reaper: agent 'etl-1' took it 121 s ago "
                                 "and it never started (limit 120 s).")
    assert _history(api, run_id) == ["Scheduled", "Submitted", "Scheduled"]
    assert [r.id for r in claim_flow_runs(db, agent)] == [run_id]


def test_reaper_fails_run_after_max_resubmits(
        api: httpx.Client, db: Database, run_id: str) -> None:
    agent = register_agent(api, "etl-1")
    reaper = Reaper(db, submitted_timeout_s=120, max_resubmits=2)
    now = utcnow()
    results = []
    for _ in range(3):
        assert [r.id for r in claim_flow_runs(db, agent, now=now)] == [run_id]
        now += dt.timedelta(seconds=150)
        results.append(reaper.run_once(now))

    assert [(r.resubmitted, r.failed) for r in results] == [(1, 0), (1, 0), (0, 1)]
    row = run_row(db, run_id)
    assert (row.state, row.times_resurrected) == ("Failed", 2)
    assert row.state_message == ("Marked Failed by the reaper: agent 'etl-1' took it 150 s ago "
                                 "and it never started, after 2 resubmissions.")
    assert claim_flow_runs(db, agent, now=now) == []


def test_reaper_cancels_cancelling_run_without_heartbeat(
        api: httpx.Client, db: Database, run_id: str) -> None:
    agent = register_agent(api, "etl-1")
    claim(api, agent)
    set_state(api, run_id, "Running")
    api.post(f"/api/flow-runs/{run_id}/cancel").raise_for_status()
    beat = run_row(db, run_id).heartbeat

    result = Reaper(db, heartbeat_timeout_s=90).run_once(beat + dt.timedelta(seconds=100))

    assert (result.failed, result.resubmitted, result.cancelled) == (0, 0, 1)
    run = api.get(f"/api/flow-runs/{run_id}").json()
    assert run["state"] == "Cancelled"
    assert run["state_message"] == ("Cancelled: agent 'etl-1' sent no heartbeat for 100 s "
                                    "after the cancellation was requested.")


def test_reaper_cancels_run_cancelled_while_submitted_whose_agent_is_gone(
        api: httpx.Client, db: Database, run_id: str) -> None:
    agent = register_agent(api, "etl-1")
    claim(api, agent)
    api.post(f"/api/flow-runs/{run_id}/cancel").raise_for_status()
    asked = run_row(db, run_id).state_timestamp

    result = Reaper(db, heartbeat_timeout_s=90).run_once(asked + dt.timedelta(seconds=100))

    assert result.cancelled == 1
    assert api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Cancelled"


def test_reaper_leaves_fresh_and_waiting_runs_alone(
        api: httpx.Client, db: Database, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    old = utcnow() - dt.timedelta(days=2)
    waiting = create_run(api, flow_id=flow_id, scheduled_start_time=old)["id"]
    submitted, running, cancelling, done = (create_run(api, flow_id=flow_id)["id"]
                                            for _ in range(4))
    set_state(api, submitted, "Submitted")
    set_state(api, running, "Running")
    set_state(api, cancelling, "Running")
    api.post(f"/api/flow-runs/{cancelling}/cancel").raise_for_status()
    set_state(api, done, "Running")
    set_state(api, done, "Success")
    before = {i: run_row(db, i) for i in (waiting, submitted, running, cancelling, done)}

    result = Reaper(db, heartbeat_timeout_s=90, submitted_timeout_s=120).run_once(
        utcnow() + dt.timedelta(seconds=60))

    assert (result.failed, result.resubmitted, result.cancelled) == (0, 0, 0)
    assert {i: run_row(db, i) for i in before} == before


def test_heartbeat_keeps_running_run_alive(
        api: httpx.Client, db: Database, run_id: str) -> None:
    set_state(api, run_id, "Running")
    started = run_row(db, run_id).heartbeat
    api.post(f"/api/flow-runs/{run_id}/heartbeat").raise_for_status()
    beat = run_row(db, run_id).heartbeat
    assert beat > started

    reaper = Reaper(db, heartbeat_timeout_s=90)
    untouched = reaper.run_once(beat + dt.timedelta(seconds=89))
    reaped = reaper.run_once(beat + dt.timedelta(seconds=91))

    assert untouched.failed == 0
    assert reaped.failed == 1


def test_reaper_forgets_batch_keys_older_than_a_day(api: httpx.Client, db: Database,
                                                     run_id: str) -> None:
    line = {"flow_run_id": run_id, "timestamp": "2026-12-06T12:00:00Z", "level": 20,
            "message": "m"}
    for key in ("old", "new"):
        api.post("/api/logs", json=[line], headers={"Idempotency-Key": key}).raise_for_status()
    with db.write() as conn:
        conn.execute(models.batch_keys.update().where(models.batch_keys.c.key == "old")
                     .values(created=utcnow() - dt.timedelta(hours=25)))

    Reaper(db).run_once(utcnow())

    with db.read() as conn:
        kept = conn.execute(select(models.batch_keys.c.key)).scalars().all()
    assert kept == ["new"]
