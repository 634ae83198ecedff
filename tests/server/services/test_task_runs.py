"""Task runs: batches of states, applied in order, all or nothing."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select

from caudal.server.db import models
from caudal.server.db.engine import Database

from ..helpers import build_flow, create_run, register

T0 = dt.datetime(2031, 1, 1, 9, 0, tzinfo=dt.UTC)


def _at(seconds: int) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def run_id(api: httpx.Client, project: str) -> str:
    flow_id = register(api, build_flow())["flow_id"]
    return create_run(api, flow_id=flow_id)["id"]


def _write(api: httpx.Client, states: list[dict], expect: int = 200) -> httpx.Response:
    response = api.post("/api/task-runs/states", json=states)
    assert response.status_code == expect, response.text
    return response


def _task_runs(api: httpx.Client, run_id: str) -> list[dict]:
    response = api.get(f"/api/flow-runs/{run_id}/task-runs")
    assert response.status_code == 200, response.text
    return response.json()


def _counts(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        return (conn.execute(select(func.count()).select_from(models.task_runs)).scalar(),
                conn.execute(select(func.count()).select_from(models.task_run_states)).scalar())


def test_batch_of_states_applies_in_order(
        api: httpx.Client, db: Database, run_id: str) -> None:
    states = [("Pending", 0), ("Running", 1), ("Retrying", 2), ("Running", 5), ("Success", 9)]

    response = _write(api, [{"flow_run_id": run_id, "task_slug": "extract-1",
                             "task_name": "extract", "state": s, "timestamp": _at(t),
                             "message": f"{s} at {t}"} for s, t in states])

    assert response.json() == {"written": 5}
    (task_run,) = _task_runs(api, run_id)
    assert (task_run["task_slug"], task_run["task_name"], task_run["map_index"]) == (
        "extract-1", "extract", -1)
    assert (task_run["state"], task_run["state_message"]) == ("Success", "Success at 9")
    assert dt.datetime.fromisoformat(task_run["start_time"]) == T0 + dt.timedelta(seconds=1)
    assert dt.datetime.fromisoformat(task_run["end_time"]) == T0 + dt.timedelta(seconds=9)
    assert _counts(db) == (1, 5)
    history = models.task_run_states
    with db.read() as conn:
        written = conn.execute(select(history.c.state).order_by(history.c.id)).scalars().all()
    assert written == [s for s, _ in states]


def test_later_batches_keep_start_time_and_name(api: httpx.Client, run_id: str) -> None:
    state = {"flow_run_id": run_id, "task_slug": "extract-1"}
    _write(api, [{**state, "task_name": "extract", "state": "Running", "timestamp": _at(1)}])
    _write(api, [{**state, "state": "Failed", "timestamp": _at(2)}])
    _write(api, [{**state, "state": "Running", "timestamp": _at(3)}])

    (task_run,) = _task_runs(api, run_id)
    assert (task_run["state"], task_run["task_name"]) == ("Running", "extract")
    assert dt.datetime.fromisoformat(task_run["start_time"]) == T0 + dt.timedelta(seconds=1)
    assert task_run["end_time"] is None


def test_result_location_is_kept(api: httpx.Client, run_id: str) -> None:
    state = {"flow_run_id": run_id, "task_slug": "extract-1"}
    _write(api, [{**state, "state": "Success", "result_location": "/results/a.json"}])
    _write(api, [{**state, "state": "Success"}])

    assert _task_runs(api, run_id)[0]["result_location"] == "/results/a.json"


def test_mapped_children_are_task_runs_of_their_own(api: httpx.Client, run_id: str) -> None:
    parent = {"flow_run_id": run_id, "task_slug": "load-1"}
    _write(api, [{**parent, "state": "Running", "timestamp": _at(0)},
                 {**parent, "state": "Mapped", "timestamp": _at(1)}]
           + [{**parent, "map_index": i, "state": "Running", "timestamp": _at(2)}
              for i in (2, 0, 1)]
           + [{**parent, "map_index": i, "state": "Success" if i != 1 else "Failed",
               "timestamp": _at(3)} for i in range(3)])

    task_runs = _task_runs(api, run_id)

    assert [(t["map_index"], t["state"]) for t in task_runs] == [
        (-1, "Mapped"), (0, "Success"), (1, "Failed"), (2, "Success")]
    assert len({t["id"] for t in task_runs}) == 4


def test_task_runs_are_listed_in_start_order_with_unstarted_last(
        api: httpx.Client, run_id: str) -> None:
    _write(api, [
        {"flow_run_id": run_id, "task_slug": "waiting-1", "state": "Pending"},
        {"flow_run_id": run_id, "task_slug": "late-1", "state": "Running", "timestamp": _at(5)},
        {"flow_run_id": run_id, "task_slug": "early-1", "state": "Running", "timestamp": _at(1)},
    ])

    slugs = [t["task_slug"] for t in _task_runs(api, run_id)]

    assert slugs == ["early-1", "late-1", "waiting-1"]


def test_batch_naming_unknown_flow_run_is_404_and_writes_nothing(
        api: httpx.Client, db: Database, run_id: str) -> None:
    response = _write(api, [
        {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Running"},
        {"flow_run_id": "no-such-run", "task_slug": "extract-1", "state": "Running"},
    ], expect=404)

    assert "Flow run 'no-such-run' does not exist" in response.json()["detail"]
    assert _counts(db) == (0, 0)


def test_batch_with_unknown_state_is_422_and_writes_nothing(
        api: httpx.Client, db: Database, run_id: str) -> None:
    response = _write(api, [
        {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Running"},
        {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Exploded"},
    ], expect=422)

    assert "'Exploded' is not a state" in response.json()["detail"]
    assert _counts(db) == (0, 0)


def test_empty_batch_writes_nothing(api: httpx.Client) -> None:
    assert _write(api, []).json() == {"written": 0}


def test_task_runs_of_unknown_flow_run_is_404(api: httpx.Client) -> None:
    assert api.get("/api/flow-runs/nope/task-runs").status_code == 404


def test_state_batch_sent_again_with_its_key_adds_no_history(
        api: httpx.Client, run_id: str, db: Database) -> None:
    batch = [{"flow_run_id": run_id, "task_slug": "extract-1", "state": "Running"},
             {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Success"}]

    answers = [api.post("/api/task-runs/states", json=batch,
                        headers={"Idempotency-Key": "states-1"}) for _ in range(3)]

    assert [(a.status_code, a.json()) for a in answers] == [(200, {"written": 2})] * 3
    assert [t["state"] for t in _task_runs(api, run_id)] == ["Success"]
    assert _counts(db) == (1, 2)  # one task run, two states in its history
