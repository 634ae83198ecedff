"""Flow run states: Prefect's lifecycle rules, cancellation and heartbeats."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from caudal.server.db.engine import Database

from ..helpers import build_flow, claim, create_run, register, register_agent, run_row, set_state


@pytest.fixture
def run(api: httpx.Client, project: str) -> dict:
    """A Scheduled run, due now, of flow 'etl'."""
    flow_id = register(api, build_flow())["flow_id"]
    return create_run(api, flow_id=flow_id)


def _move(api: httpx.Client, run: dict, *states: str) -> dict:
    for state in states:
        run = set_state(api, run["id"], state)
    return run


def test_running_sets_start_time_and_heartbeat(api: httpx.Client, run: dict) -> None:
    running = set_state(api, run["id"], "Running")

    assert running["state"] == "Running"
    assert running["version"] == run["version"] + 1
    assert running["start_time"] is not None
    assert running["heartbeat"] == running["start_time"]
    assert running["end_time"] is None


def test_finished_run_has_end_time(api: httpx.Client, run: dict) -> None:
    done = _move(api, run, "Running", "Success")

    assert done["state"] == "Success"
    assert done["end_time"] is not None
    assert done["end_time"] >= done["start_time"]


@pytest.mark.parametrize(("finished", "new"), [
    ("Success", "Running"), ("Failed", "Submitted"), ("Cancelled", "Success"),
    ("TimedOut", "Cancelling"), ("Success", "Retrying"),
])
def test_finished_run_cannot_move_except_to_restart(
        api: httpx.Client, run: dict, finished: str, new: str) -> None:
    run = _move(api, run, "Running", finished)

    response = api.post(f"/api/flow-runs/{run['id']}/state", json={"state": new})

    assert response.status_code == 409, response.text
    assert f"is {finished}, a finished state" in response.json()["detail"]


@pytest.mark.parametrize("restart", ["Scheduled", "Pending"])
def test_finished_run_restarts_and_loses_end_time_and_agent(
        api: httpx.Client, run: dict, restart: str) -> None:
    agent_id = register_agent(api)
    claim(api, agent_id)
    run = _move(api, run, "Running", "Failed")
    assert run["agent_id"] == agent_id

    restarted = set_state(api, run["id"], restart, message="again")

    assert restarted["state"] == restart
    assert restarted["state_message"] == "again"
    assert restarted["end_time"] is None
    assert restarted["agent_id"] is None


def test_restart_with_start_time_reschedules(api: httpx.Client, run: dict) -> None:
    run = _move(api, run, "Running", "Failed")

    restarted = set_state(api, run["id"], "Scheduled", start_time="2031-05-01T08:00:00+00:00")

    assert restarted["scheduled_start_time"].startswith("2031-05-01T08:00:00")


@pytest.mark.parametrize("before", [["Running"], ["Running", "Cancelling"]],
                         ids=["Running", "Cancelling"])
def test_running_twice_is_409(api: httpx.Client, run: dict, before: list[str]) -> None:
    run = _move(api, run, *before)

    response = api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Running"})

    assert response.status_code == 409
    assert "another process is running it" in response.json()["detail"]


def test_version_mismatch_is_409_and_changes_nothing(
        api: httpx.Client, run: dict) -> None:
    stale = run["version"]
    set_state(api, run["id"], "Running")

    response = api.post(f"/api/flow-runs/{run['id']}/state",
                        json={"state": "Success", "version": stale})

    assert response.status_code == 409
    assert f"not {stale}" in response.json()["detail"]
    assert api.get(f"/api/flow-runs/{run['id']}").json()["state"] == "Running"


def test_matching_version_applies(api: httpx.Client, run: dict) -> None:
    running = set_state(api, run["id"], "Running")

    done = set_state(api, run["id"], "Success", version=running["version"])

    assert done["state"] == "Success"


@pytest.mark.parametrize("waiting", ["Scheduled", "Pending", "Retrying", "Paused"])
def test_submitted_from_waiting_state(api: httpx.Client, run: dict, waiting: str) -> None:
    run = _move(api, run, waiting)

    assert set_state(api, run["id"], "Submitted")["state"] == "Submitted"


@pytest.mark.parametrize("before", [["Submitted"], ["Running"], ["Running", "Cancelling"]],
                         ids=["Submitted", "Running", "Cancelling"])
def test_submitted_from_other_states_is_409(
        api: httpx.Client, run: dict, before: list[str]) -> None:
    run = _move(api, run, *before)

    response = api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Submitted"})

    assert response.status_code == 409
    assert "only a waiting run can be Submitted" in response.json()["detail"]


def test_cancelling_run_cannot_go_back_to_waiting(api: httpx.Client, run: dict) -> None:
    run = _move(api, run, "Running", "Cancelling")

    response = api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Scheduled"})

    assert response.status_code == 409
    assert "it can only finish now" in response.json()["detail"]
    assert set_state(api, run["id"], "Cancelled")["state"] == "Cancelled"


def test_cancelling_a_waiting_run_by_state_is_409(api: httpx.Client, run: dict) -> None:
    response = api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Cancelling"})

    assert response.status_code == 409
    assert "only a submitted or running run can be Cancelling" in response.json()["detail"]


def test_unknown_state_is_422(api: httpx.Client, run: dict) -> None:
    response = api.post(f"/api/flow-runs/{run['id']}/state", json={"state": "Sleeping"})

    assert response.status_code == 422
    assert "'Sleeping' is not a state" in response.json()["detail"]


def test_state_of_unknown_run_is_404(api: httpx.Client) -> None:
    response = api.post("/api/flow-runs/nope/state", json={"state": "Running"})

    assert response.status_code == 404


def test_cancel_scheduled_run_cancels_at_once(api: httpx.Client, run: dict) -> None:
    response = api.post(f"/api/flow-runs/{run['id']}/cancel")

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "Cancelled"
    assert response.json()["end_time"] is not None


@pytest.mark.parametrize("before", [["Running"], ["Submitted"]], ids=["Running", "Submitted"])
def test_cancel_started_run_asks_its_agent(
        api: httpx.Client, run: dict, before: list[str]) -> None:
    run = _move(api, run, *before)

    response = api.post(f"/api/flow-runs/{run['id']}/cancel")
    again = api.post(f"/api/flow-runs/{run['id']}/cancel")

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "Cancelling"
    assert response.json()["end_time"] is None
    assert again.status_code == 200
    assert again.json()["version"] == response.json()["version"]


def test_cancel_finished_run_is_409(api: httpx.Client, run: dict) -> None:
    run = _move(api, run, "Running", "Success")

    response = api.post(f"/api/flow-runs/{run['id']}/cancel")

    assert response.status_code == 409
    assert "has already finished (Success)" in response.json()["detail"]
    assert api.post("/api/flow-runs/nope/cancel").status_code == 404


def test_heartbeat_moves_heartbeat_forward(
        api: httpx.Client, db: Database, run: dict) -> None:
    running = set_state(api, run["id"], "Running")

    response = api.post(f"/api/flow-runs/{run['id']}/heartbeat")

    assert response.status_code == 200
    assert run_row(db, run["id"]).heartbeat > dt.datetime.fromisoformat(running["heartbeat"])
    assert response.json()["state"] == "Running"


def test_heartbeat_answer_tells_the_process_its_run_is_cancelling(
        api: httpx.Client, run: dict) -> None:
    set_state(api, run["id"], "Running")
    api.post(f"/api/flow-runs/{run['id']}/cancel").raise_for_status()

    response = api.post(f"/api/flow-runs/{run['id']}/heartbeat")

    assert response.status_code == 200
    assert response.json()["state"] == "Cancelling"


def test_heartbeat_on_finished_run_is_409(api: httpx.Client, run: dict) -> None:
    run = _move(api, run, "Running", "Failed")

    response = api.post(f"/api/flow-runs/{run['id']}/heartbeat")

    assert response.status_code == 409
    assert "takes no more heartbeats" in response.json()["detail"]
    assert api.post("/api/flow-runs/nope/heartbeat").status_code == 404


def _task_state(run_id: str, slug: str, state: str, map_index: int = -1) -> dict:
    return {"flow_run_id": run_id, "task_slug": slug, "map_index": map_index, "state": state}


@pytest.mark.parametrize("final", ["Failed", "Cancelled"])
def test_a_run_ending_failed_or_cancelled_ends_its_unfinished_task_runs(
        api: httpx.Client, run: dict, final: str) -> None:
    set_state(api, run["id"], "Running")
    api.post("/api/task-runs/states", json=[
        _task_state(run["id"], "extract-1", "Running"),
        _task_state(run["id"], "extract-1", "Success"),
        _task_state(run["id"], "load-1", "Running"),
        _task_state(run["id"], "load-1", "Retrying", map_index=3),
    ]).raise_for_status()
    if final == "Cancelled":
        api.post(f"/api/flow-runs/{run['id']}/cancel").raise_for_status()
    set_state(api, run["id"], final, message="its process was killed")

    states = {(t["task_slug"], t["map_index"]): (t["state"], t["state_message"])
              for t in api.get(f"/api/flow-runs/{run['id']}/task-runs").json()}
    unfinished = f"The flow run ended {final} while this task run was unfinished."
    assert states == {("extract-1", -1): ("Success", None),
                      ("load-1", -1): (final, unfinished),
                      ("load-1", 3): (final, unfinished)}


def test_a_run_ending_success_leaves_its_task_runs_as_they_are(
        api: httpx.Client, run: dict) -> None:
    set_state(api, run["id"], "Running")
    api.post("/api/task-runs/states", json=[
        _task_state(run["id"], "load-1", "Running")]).raise_for_status()
    set_state(api, run["id"], "Success")

    (task_run,) = api.get(f"/api/flow-runs/{run['id']}/task-runs").json()
    assert task_run["state"] == "Running"
