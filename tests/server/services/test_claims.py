"""Claims: agents take due runs whose labels they have, each run exactly once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import delete, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.agents import register_agent as register_agent_row
from caudal.server.services.claims import claim_flow_runs, labels_match
from caudal.server.services.flow_runs import insert_flow_runs, new_flow_run_row
from caudal.server.services.flows import flow_row
from caudal.wire.agents import AgentRegister

from ..helpers import (
    build_flow,
    claim,
    create_run,
    register,
    register_agent,
    runs_of,
    utcnow,
)


@pytest.fixture
def flow_id(api: httpx.Client, project: str) -> str:
    return register(api, build_flow())["flow_id"]


def _due_runs(db: Database, flow_id: str, n: int, labels: list[str] | None = None,
              start: dt.datetime | None = None) -> list[str]:
    """``n`` Scheduled runs, due one second apart from ``start`` (default: a day ago)."""
    start = start or utcnow() - dt.timedelta(days=1)
    with db.write() as conn:
        flow = flow_row(conn, flow_id)
        rows = [new_flow_run_row(flow, parameters={}, labels=labels or [], now=utcnow(),
                                 scheduled_start_time=start + dt.timedelta(seconds=i))
                for i in range(n)]
        return insert_flow_runs(db, conn, rows)


LABEL_CASES = [
    ([], [], True),
    ([], ["gpu"], True),
    (["gpu"], ["gpu"], True),
    (["gpu"], ["gpu", "big"], True),
    (["gpu", "big"], ["big", "gpu"], True),
    (["gpu", "big"], ["gpu"], False),
    (["gpu"], [], False),
    (["gpu"], ["cpu"], False),
    (["a%"], ["ab"], False),
]


def test_claim_follows_the_label_subset_rule(
        api: httpx.Client, db: Database, flow_id: str) -> None:
    for run_labels, agent_labels, taken in LABEL_CASES:
        (run_id,) = _due_runs(db, flow_id, 1, labels=run_labels)
        agent = register_agent_row(db, AgentRegister(name="a", labels=agent_labels))

        got = [r.id for r in claim_flow_runs(db, agent.id)]

        case = f"run {run_labels}, agent {agent_labels}"
        assert labels_match(run_labels, agent_labels) is taken, case
        assert got == ([run_id] if taken else []), case
        with db.write() as conn:
            conn.execute(delete(models.flow_run_states))
            conn.execute(delete(models.flow_runs))


def test_agent_takes_runs_whose_labels_it_has(api: httpx.Client, flow_id: str) -> None:
    plain = create_run(api, flow_id=flow_id, labels=[])
    gpu = create_run(api, flow_id=flow_id, labels=["gpu"])
    gpu_big = create_run(api, flow_id=flow_id, labels=["gpu", "big"])
    gpu_agent = register_agent(api, "gpu-agent", ["gpu", "etl"])

    taken = claim(api, gpu_agent)

    assert {r["id"] for r in taken} == {plain["id"], gpu["id"]}
    assert all(r["state"] == "Submitted" and r["agent_id"] == gpu_agent for r in taken)
    assert api.get(f"/api/flow-runs/{gpu_big['id']}").json()["state"] == "Scheduled"


def test_agent_without_labels_takes_only_unlabelled_runs(
        api: httpx.Client, flow_id: str) -> None:
    plain = create_run(api, flow_id=flow_id, labels=[])
    create_run(api, flow_id=flow_id, labels=["gpu"])
    agent = register_agent(api, "plain-agent", [])

    assert [r["id"] for r in claim(api, agent)] == [plain["id"]]
    assert claim(api, agent) == []


def test_claim_marks_run_submitted_with_a_message_naming_the_agent(
        api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id)
    agent = register_agent(api, "etl-1")

    (taken,) = claim(api, agent)

    assert taken["id"] == run["id"]
    assert taken["version"] == run["version"] + 1
    assert taken["state_message"] == "Submitted for execution by agent 'etl-1'."
    history = api.get(f"/api/flow-runs/{run['id']}/states").json()
    assert [s["state"] for s in history] == ["Scheduled", "Submitted"]


def test_future_runs_are_not_claimed(api: httpx.Client, flow_id: str) -> None:
    later = create_run(api, flow_id=flow_id,
                       scheduled_start_time=utcnow() + dt.timedelta(hours=1))
    agent = register_agent(api)

    assert claim(api, agent) == []
    assert api.get(f"/api/flow-runs/{later['id']}").json()["state"] == "Scheduled"


def test_claim_takes_at_most_limit_oldest_first(
        api: httpx.Client, db: Database, flow_id: str) -> None:
    ids = _due_runs(db, flow_id, 5)
    agent = register_agent(api)

    first = claim(api, agent, limit=2)
    second = claim(api, agent, limit=2)

    assert [r["id"] for r in first] == ids[:2]
    assert [r["id"] for r in second] == ids[2:4]


def test_retrying_run_is_claimed_again(api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id)
    api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Running"}).raise_for_status()
    api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Retrying"}).raise_for_status()
    agent = register_agent(api)

    assert [r["id"] for r in claim(api, agent)] == [run["id"]]


def test_claim_finds_matching_run_behind_many_it_cannot_take(
        api: httpx.Client, db: Database, flow_id: str) -> None:
    _due_runs(db, flow_id, 150, labels=["gpu"])
    plain = _due_runs(db, flow_id, 1, start=utcnow() - dt.timedelta(seconds=1))
    agent = register_agent(api, "cpu-agent", [])

    assert [r["id"] for r in claim(api, agent)] == plain


def test_claim_by_unknown_agent_is_404(api: httpx.Client) -> None:
    response = api.post("/api/agents/nope/claim", json={})

    assert response.status_code == 404
    assert "Agent 'nope' does not exist" in response.json()["detail"]


def _claim_all(databases: list[Database], agent_ids: list[str],
               limit: int) -> dict[str, list[str]]:
    """Every agent claims on its own database until no Scheduled run is left."""
    taken: dict[str, list[str]] = {agent_id: [] for agent_id in agent_ids}
    errors: list[BaseException] = []
    start = threading.Barrier(len(agent_ids))

    def work(database: Database, agent_id: str) -> None:
        try:
            start.wait()
            while True:
                got = claim_flow_runs(database, agent_id, limit)
                taken[agent_id].extend(r.id for r in got)
                if not got and not any(r.state == "Scheduled" for r in runs_of(database)):
                    return
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=pair) for pair in zip(databases, agent_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return taken


def test_eight_agents_claiming_at_once_take_each_run_exactly_once(
        database_url: str, db: Database, api: httpx.Client, flow_id: str) -> None:
    ids = _due_runs(db, flow_id, 200)
    databases = [Database(database_url) for _ in range(8)]
    agent_ids = [register_agent_row(db, AgentRegister(name=f"agent-{i}")).id
                 for i in range(8)]
    try:
        taken = _claim_all(databases, agent_ids, limit=5)
    finally:
        for database in databases:
            database.dispose()

    claims = Counter(run_id for got in taken.values() for run_id in got)
    assert sorted(claims) == sorted(ids)
    assert set(claims.values()) == {1}
    owner = {run_id: agent_id for agent_id, got in taken.items() for run_id in got}
    rows = runs_of(db)
    assert all(r.state == "Submitted" and r.agent_id == owner[r.id] for r in rows)
    history = models.flow_run_states
    with db.read() as conn:
        submitted = conn.execute(select(history.c.flow_run_id)
                                 .where(history.c.state == "Submitted")).scalars().all()
    assert sorted(submitted) == sorted(ids)


def test_eight_agents_claiming_over_http_take_each_run_exactly_once(
        db: Database, api: httpx.Client, server_url: str, flow_id: str) -> None:
    ids = _due_runs(db, flow_id, 200)
    agent_ids = [register_agent(api, f"agent-{i}") for i in range(8)]
    taken: dict[str, list[str]] = {agent_id: [] for agent_id in agent_ids}
    errors: list[BaseException] = []
    start = threading.Barrier(len(agent_ids))

    def work(agent_id: str) -> None:
        try:
            with httpx.Client(base_url=server_url, timeout=60) as http:
                start.wait()
                while True:
                    got = claim(http, agent_id, limit=5)
                    taken[agent_id].extend(r["id"] for r in got)
                    if not got and not any(r.state == "Scheduled" for r in runs_of(db)):
                        return
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a,)) for a in agent_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    claims = Counter(run_id for got in taken.values() for run_id in got)
    assert sorted(claims) == sorted(ids)
    assert set(claims.values()) == {1}


def test_waiting_claim_returns_run_created_meanwhile(
        api: httpx.Client, server_url: str, flow_id: str) -> None:
    """The claim waits 8 s, less than its periodic re-check (10 s): only the wake-up the
    new run's commit sends can hand it the run; without it the claim ends empty."""
    agent = register_agent(api)
    result: dict[str, object] = {}

    def wait_for_run() -> None:
        with httpx.Client(base_url=server_url, timeout=30) as http:
            result["runs"] = claim(http, agent, wait_s=8)

    waiter = threading.Thread(target=wait_for_run)
    waiter.start()
    time.sleep(0.5)  # the claim is waiting now
    run = create_run(api, flow_id=flow_id)
    waiter.join(timeout=15)

    assert [r["id"] for r in result["runs"]] == [run["id"]]


def test_waiting_claim_takes_a_run_when_it_becomes_due(
        api: httpx.Client, server_url: str, flow_id: str) -> None:
    """No request announces a run becoming due by the clock: the waiting claim looks again
    at the run's time, which it learnt when it found nothing due."""
    agent = register_agent(api)
    run = create_run(api, flow_id=flow_id,
                     scheduled_start_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5))

    with httpx.Client(base_url=server_url, timeout=30) as http:
        first = claim(http, agent, wait_s=0)  # not due yet
        waited = claim(http, agent, wait_s=8)

    assert first == []
    assert [r["id"] for r in waited] == [run["id"]]


def test_agent_heartbeat_and_list(api: httpx.Client, db: Database) -> None:
    agent = register_agent(api, "etl-1", ["gpu", "gpu", "a"])
    before = api.get("/api/agents").json()

    beat = api.post(f"/api/agents/{agent}/heartbeat")

    assert [(a["id"], a["name"], a["labels"]) for a in before] == [(agent, "etl-1", ["a", "gpu"])]
    assert beat.status_code == 200
    assert beat.json()["last_heartbeat"] >= before[0]["last_heartbeat"]
    assert api.post("/api/agents/nope/heartbeat").status_code == 404
