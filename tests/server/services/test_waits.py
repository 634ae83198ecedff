"""Why a run has not started: each cause the server can see, said as a sentence."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from caudal.cli import main
from caudal.server.db import models
from caudal.server.db.engine import Database

from ..helpers import (
    build_flow,
    claim,
    create_run,
    hourly,
    register,
    register_agent,
    runs_of,
    set_state,
    utcnow,
)


@pytest.fixture
def flow_id(api: httpx.Client, project: str) -> str:
    return register(api, build_flow())["flow_id"]


def _why(api: httpx.Client, run_id: str) -> dict:
    response = api.get(f"/api/flow-runs/{run_id}/why")
    assert response.status_code == 200, response.text
    return response.json()


def _heartbeat(api: httpx.Client, agent_id: str, running: int, limit: int | None) -> None:
    response = api.post(f"/api/agents/{agent_id}/heartbeat",
                        json={"running": running, "limit": limit})
    assert response.status_code == 200, response.text


def test_run_not_due_yet_and_no_agent_at_all(api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id, scheduled_start_time=utcnow() + dt.timedelta(hours=1))

    why = _why(api, run["id"])

    assert why["waiting"] is True and why["state"] == "Scheduled"
    assert re.fullmatch(rf"Flow run '{run['name']}' is scheduled for \S+ \(in 359\d s\)\.",
                        why["reasons"][0])
    assert why["reasons"][1] == ("No agent with labels [] has been seen (no agent has been "
                                 "seen at all); start one with 'caudal agent start'.")


def test_no_agent_has_the_runs_labels(api: httpx.Client, flow_id: str) -> None:
    register_agent(api, "etl-1", ["cpu"])
    run = create_run(api, flow_id=flow_id, labels=["gpu", "prod"])

    assert _why(api, run["id"])["reasons"] == [
        "No agent with labels [gpu, prod] has been seen (agents seen: 'etl-1' [cpu]); start "
        "one with 'caudal agent start --label gpu --label prod'."]


def test_agent_with_the_labels_was_seen_long_ago(api: httpx.Client, db: Database,
                                                 flow_id: str) -> None:
    agent = register_agent(api, "etl-1", ["gpu"])
    with db.write() as conn:
        conn.execute(update(models.agents).where(models.agents.c.id == agent)
                     .values(last_heartbeat=utcnow() - dt.timedelta(minutes=10)))
    run = create_run(api, flow_id=flow_id, labels=["gpu"])

    (reason,) = _why(api, run["id"])["reasons"]

    assert re.fullmatch(r"The last agent with labels \[gpu\] \('etl-1'\) was seen at \S+ "
                        r"\(10 min ago\); none is connected now\.", reason)


def test_due_run_with_a_connected_agent_says_it_starts_at_its_next_claim(
        api: httpx.Client, flow_id: str) -> None:
    register_agent(api, "etl-1", ["gpu", "prod"])
    run = create_run(api, flow_id=flow_id, labels=["gpu"])

    assert _why(api, run["id"])["reasons"] == [
        f"Flow run '{run['name']}' is due and agent 'etl-1' can take it; it starts at the "
        "agent's next claim, unless the agent is at its limit of runs."]


def test_due_run_with_every_agent_at_its_limit_says_it_waits_for_a_run_to_finish(
        api: httpx.Client, flow_id: str) -> None:
    _heartbeat(api, register_agent(api, "etl-1", ["gpu"]), running=3, limit=3)
    _heartbeat(api, register_agent(api, "etl-2", ["gpu"]), running=1, limit=1)
    run = create_run(api, flow_id=flow_id, labels=["gpu"])

    assert sorted(_why(api, run["id"])["reasons"]) == [
        "Agent 'etl-1' is at its limit of 3 runs; the run starts when one of its runs finishes.",
        "Agent 'etl-2' is at its limit of 1 run; the run starts when one of its runs finishes."]


def test_due_run_with_an_agent_that_has_room_says_it_starts_at_its_next_claim(
        api: httpx.Client, flow_id: str) -> None:
    _heartbeat(api, register_agent(api, "etl-1", ["gpu"]), running=3, limit=3)
    _heartbeat(api, register_agent(api, "etl-2", ["gpu"]), running=1, limit=4)
    _heartbeat(api, register_agent(api, "etl-3", ["cpu"]), running=0, limit=4)
    run = create_run(api, flow_id=flow_id, labels=["gpu"])

    assert _why(api, run["id"])["reasons"] == [
        f"Flow run '{run['name']}' is due and agent 'etl-2' can take it; it starts at the "
        "agent's next claim."]


def test_due_run_with_an_agent_without_a_limit_says_it_starts_at_its_next_claim(
        api: httpx.Client, flow_id: str) -> None:
    _heartbeat(api, register_agent(api, "etl-1", ["gpu"]), running=50, limit=None)
    run = create_run(api, flow_id=flow_id, labels=["gpu"])

    assert _why(api, run["id"])["reasons"] == [
        f"Flow run '{run['name']}' is due and agent 'etl-1' can take it; it starts at the "
        "agent's next claim."]


def test_paused_schedule_is_named(api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow("hourly", schedule=hourly()))
    (first, *_) = runs_of(db, result["flow_group_id"])
    with db.write() as conn:  # paused without deleting its runs, as another server might
        conn.execute(update(models.flow_groups)
                     .where(models.flow_groups.c.id == result["flow_group_id"])
                     .values(schedule_active=False))

    reasons = _why(api, first.id)["reasons"]

    assert reasons[0] == ("The schedule of flow 'hourly' is paused; switch it on to run its "
                          "scheduled runs.")


def test_a_run_that_started_is_not_waiting(api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id)
    claim(api, register_agent(api))
    set_state(api, run["id"], "Running")

    why = _why(api, run["id"])

    assert (why["waiting"], why["state"]) == (False, "Running")
    assert why["reasons"] == [f"Flow run '{run['name']}' is Running; it is not waiting for an "
                              "agent."]


def test_cli_runs_why_prints_the_reasons(api: httpx.Client, server_url: str,
                                         flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id, labels=["gpu"])

    shown = CliRunner().invoke(main, ["runs", "why", run["id"], "--api", server_url])
    missing = CliRunner().invoke(main, ["runs", "why", "no-such-run", "--api", server_url])

    assert shown.exit_code == 0, shown.output
    assert shown.output == ("No agent with labels [gpu] has been seen (no agent has been seen "
                            "at all); start one with 'caudal agent start --label gpu'.\n")
    assert missing.exit_code == 1
    assert "Flow run 'no-such-run' does not exist." in missing.output
