"""Flow runs: creation with parameter checks and idempotency keys, lists, rename, delete."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.common import encode_cursor

from ..helpers import build_flow, create_project, create_run, register, runs_of, set_state, utcnow


@pytest.fixture
def flow_id(api: httpx.Client, project: str) -> str:
    """Version 1 of flow 'etl' (parameters 'source', and 'day' which is required)."""
    return register(api, build_flow(required=True), labels=["etl"])["flow_id"]


def test_create_run_with_everything_given(api: httpx.Client, flow_id: str) -> None:
    when = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    run = create_run(api, flow_id=flow_id, parameters={"day": "2031-01-01", "source": "gs://x"},
                     labels=["gpu", "big"], run_name="backfill-jan", idempotency_key="jan",
                     scheduled_start_time=when, context={"origin": "test"})

    assert run["flow_id"] == flow_id
    assert (run["flow_name"], run["project"], run["flow_version"]) == ("etl", "pipelines", 1)
    assert run["parameters"] == {"day": "2031-01-01", "source": "gs://x"}
    assert run["context"] == {"origin": "test"}
    assert run["labels"] == ["big", "gpu"]
    assert run["name"] == "backfill-jan"
    assert run["idempotency_key"] == "jan"
    assert dt.datetime.fromisoformat(run["scheduled_start_time"]) == when
    assert (run["state"], run["version"], run["auto_scheduled"]) == ("Scheduled", 1, False)
    assert api.get(f"/api/flow-runs/{run['id']}").json() == run


def test_create_run_with_defaults_takes_flow_labels_a_name_and_now(
        api: httpx.Client, flow_id: str) -> None:
    before = utcnow()

    run = create_run(api, flow_id=flow_id, parameters={"day": "d"})

    assert run["labels"] == ["etl"]
    assert run["name"].count("-") == 1
    assert before <= dt.datetime.fromisoformat(run["scheduled_start_time"]) <= utcnow()


def test_create_run_with_empty_labels_has_no_labels(api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id, parameters={"day": "d"}, labels=[])

    assert run["labels"] == []


def test_unknown_parameter_is_422_naming_parameter_and_flow(
        api: httpx.Client, flow_id: str) -> None:
    response = api.post("/api/flow-runs", json={
        "flow_id": flow_id, "parameters": {"day": "d", "colour": "red"}})

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "Parameter 'colour' is not a parameter of flow 'etl'" in detail
    assert "'day', 'source'" in detail


def test_missing_required_parameter_is_422_naming_parameter_and_flow(
        api: httpx.Client, db: Database, flow_id: str) -> None:
    response = api.post("/api/flow-runs", json={"flow_id": flow_id})

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Parameter 'day' is required by flow 'etl' and has no default.")
    assert runs_of(db) == []


def test_same_idempotency_key_returns_the_same_run_with_200(
        api: httpx.Client, db: Database, flow_id: str) -> None:
    first = create_run(api, flow_id=flow_id, parameters={"day": "a"}, idempotency_key="k1")

    again = create_run(api, expect=200, flow_id=flow_id, parameters={"day": "b"},
                       idempotency_key="k1")
    other = create_run(api, flow_id=flow_id, parameters={"day": "a"}, idempotency_key="k2")

    assert again == first
    assert other["id"] != first["id"]
    assert len(runs_of(db)) == 2


def test_create_run_by_flow_name_takes_latest_version(
        api: httpx.Client, project: str) -> None:
    register(api, build_flow())
    second = register(api, build_flow(changed=True))

    by_name = create_run(api, flow_name="etl")
    by_name_and_project = create_run(api, flow_name="etl", project=project)

    assert by_name["flow_id"] == by_name_and_project["flow_id"] == second["flow_id"]
    assert by_name["flow_version"] == 2


def test_flow_name_in_two_projects_is_422_unless_project_given(api: httpx.Client) -> None:
    for name in ("sales", "finance"):
        create_project(api, name)
        register(api, build_flow(), project=name)

    ambiguous = api.post("/api/flow-runs", json={"flow_name": "etl"})
    chosen = create_run(api, flow_name="etl", project="sales")

    assert ambiguous.status_code == 422
    assert "finance, sales" in ambiguous.json()["detail"]
    assert chosen["project"] == "sales"


def test_unknown_flow_is_404(api: httpx.Client, project: str) -> None:
    by_name = api.post("/api/flow-runs", json={"flow_name": "nope", "project": project})
    by_id = api.post("/api/flow-runs", json={"flow_id": "nope"})

    assert by_name.status_code == 404
    assert "No active flow named 'nope' in project 'pipelines'" in by_name.json()["detail"]
    assert by_id.status_code == 404


def test_create_run_naming_no_flow_is_422(api: httpx.Client) -> None:
    response = api.post("/api/flow-runs", json={"parameters": {}})

    assert response.status_code == 422
    assert "flow_id" in response.json()["detail"]


def test_run_of_archived_version_is_409(api: httpx.Client, flow_id: str) -> None:
    register(api, build_flow(required=True, changed=True))

    response = api.post("/api/flow-runs", json={"flow_id": flow_id, "parameters": {"day": "d"}})

    assert response.status_code == 409
    assert "archived" in response.json()["detail"]


def _ids(page: dict) -> list[str]:
    return [run["id"] for run in page["items"]]


def test_list_filters_by_flow_name_project_and_states(api: httpx.Client) -> None:
    create_project(api, "sales")
    create_project(api, "finance")
    etl = register(api, build_flow(), project="sales")
    report = register(api, build_flow("report"), project="finance")
    a = create_run(api, flow_id=etl["flow_id"])
    b = create_run(api, flow_id=etl["flow_id"])
    c = create_run(api, flow_id=report["flow_id"])
    set_state(api, b["id"], "Running")
    set_state(api, c["id"], "Failed")

    def listed(**params: object) -> set[str]:
        response = api.get("/api/flow-runs", params=params)
        assert response.status_code == 200, response.text
        return set(_ids(response.json()))

    assert listed() == {a["id"], b["id"], c["id"]}
    assert listed(flow_id=etl["flow_id"]) == {a["id"], b["id"]}
    assert listed(flow_group_id=report["flow_group_id"]) == {c["id"]}
    assert listed(flow_name="report") == {c["id"]}
    assert listed(project="sales") == {a["id"], b["id"]}
    assert listed(state="Running") == {b["id"]}
    assert listed(state=["Scheduled", "Failed"]) == {a["id"], c["id"]}
    assert listed(project="sales", state="Failed") == set()


def test_list_with_unknown_state_is_422(api: httpx.Client) -> None:
    response = api.get("/api/flow-runs", params={"state": "Sleeping"})

    assert response.status_code == 422
    assert "'Sleeping' is not a state" in response.json()["detail"]


def test_pages_with_equal_times_lose_and_repeat_no_run(
        api: httpx.Client, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    base = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)
    created = [create_run(api, flow_id=flow_id,
                          scheduled_start_time=base + dt.timedelta(minutes=i % 3))
               for i in range(17)]

    seen: list[dict] = []
    cursor = None
    for _ in range(20):
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/flow-runs", params=params).json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == 17
    assert {r["id"] for r in seen} == {r["id"] for r in created}
    order = [(r["scheduled_start_time"], r["id"]) for r in seen]
    assert order == sorted(order, reverse=True)  # newest first, then by id


@pytest.mark.parametrize("values", [
    "not-a-cursor",
    ["2024-01-01T00:00:00+00:00"],
    ["yesterday", "x"],
    ["0001-01-01T00:00:00+01:00", "x"],
    ["2024-01-01T00:00:00+00:00", "\ud800"],
    ["2024-01-01T00:00:00+00:00", 7],
], ids=["garbage", "one-value", "not-a-time", "before-year-1", "surrogate", "number-id"])
def test_invalid_cursor_is_422(api: httpx.Client, values: object) -> None:
    cursor = values if isinstance(values, str) else encode_cursor(*values)

    response = api.get("/api/flow-runs", params={"cursor": cursor})

    assert response.status_code == 422
    assert "next_cursor" in response.json()["detail"]


def test_rename_run(api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id, parameters={"day": "d"})

    renamed = api.patch(f"/api/flow-runs/{run['id']}", json={"name": "monthly-close"})

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "monthly-close"
    assert api.get(f"/api/flow-runs/{run['id']}").json()["name"] == "monthly-close"
    assert api.patch("/api/flow-runs/nope", json={"name": "x"}).status_code == 404


def test_delete_run_removes_its_task_runs_logs_and_states(
        api: httpx.Client, db: Database, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id, parameters={"day": "d"})
    kept = create_run(api, flow_id=flow_id, parameters={"day": "e"})
    for target in (run, kept):
        set_state(api, target["id"], "Running")
        api.post("/api/task-runs/states", json=[
            {"flow_run_id": target["id"], "task_slug": "extract-1", "state": "Running"},
            {"flow_run_id": target["id"], "task_slug": "extract-1", "state": "Success"},
        ]).raise_for_status()
        api.post("/api/logs", json=[
            {"flow_run_id": target["id"], "timestamp": utcnow().isoformat(), "level": 20,
             "message": "hello"}]).raise_for_status()

    response = api.delete(f"/api/flow-runs/{run['id']}")

    assert response.status_code == 204
    assert api.get(f"/api/flow-runs/{run['id']}").status_code == 404
    assert api.delete(f"/api/flow-runs/{run['id']}").status_code == 404
    with db.read() as conn:
        counts = {table.name: conn.execute(select(func.count()).select_from(table)).scalar()
                  for table in (models.flow_run_states, models.task_runs,
                                models.task_run_states, models.logs)}
    # What is left is the other run's: two states, one task run with two states, one line.
    assert counts == {"flow_run_states": 2, "task_runs": 1, "task_run_states": 2, "logs": 1}
    assert [r.id for r in runs_of(db)] == [kept["id"]]


def test_state_history_lists_every_state_oldest_first(
        api: httpx.Client, flow_id: str) -> None:
    run = create_run(api, flow_id=flow_id, parameters={"day": "d"})
    set_state(api, run["id"], "Running")
    set_state(api, run["id"], "Failed", message="boom")
    set_state(api, run["id"], "Scheduled", message="restart")

    response = api.get(f"/api/flow-runs/{run['id']}/states")

    assert response.status_code == 200
    history = response.json()
    assert [(s["state"], s["message"]) for s in history] == [
        ("Scheduled", None), ("Running", None), ("Failed", "boom"), ("Scheduled", "restart")]
    times = [s["timestamp"] for s in history]
    assert times == sorted(times)
    assert api.get("/api/flow-runs/nope/states").status_code == 404


def test_unknown_run_is_404(api: httpx.Client) -> None:
    response = api.get("/api/flow-runs/nope")

    assert response.status_code == 404
    assert response.json()["detail"] == "Flow run 'nope' does not exist."
