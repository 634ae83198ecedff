"""Registration: versions, skips, archiving, scheduled runs and the schedule switch."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from caudal.server.db.engine import Database

from ..helpers import (
    build_flow,
    create_project,
    create_run,
    hourly,
    register,
    registration,
    runs_of,
)


def _flow(api: httpx.Client, flow_id: str) -> dict:
    response = api.get(f"/api/flows/{flow_id}")
    assert response.status_code == 200, response.text
    return response.json()


def test_first_registration_creates_version_1_with_scheduled_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow(schedule=hourly()), labels=["etl"])

    assert result["status"] == "created"
    assert result["version"] == 1
    assert result["archived_flow_id"] is None
    assert result["scheduled_runs"] == 10
    flow = _flow(api, result["flow_id"])
    assert (flow["name"], flow["project"], flow["archived"]) == ("etl", project, False)
    assert flow["schedule_active"] is True
    assert flow["labels"] == ["etl"]
    assert flow["parameters"] == [{"name": "source", "default": "s3://raw", "required": False}]
    runs = runs_of(db, result["flow_group_id"])
    assert len(runs) == 10
    assert all(r.auto_scheduled and r.state == "Scheduled" for r in runs)
    assert all(r.flow_id == result["flow_id"] and r.labels == ["etl"] for r in runs)


def test_same_flow_with_other_labels_is_a_new_version(
        api: httpx.Client, db: Database, project: str) -> None:
    first = register(api, build_flow(), labels=["etl"])
    same = register(api, build_flow(), labels=["etl"], expect=200)
    relabelled = register(api, build_flow(), labels=["etl", "gpu"])

    assert (first["version"], same["status"]) == (1, "skipped")
    assert (relabelled["status"], relabelled["version"]) == ("created", 2)
    assert _flow(api, relabelled["flow_id"])["labels"] == ["etl", "gpu"]


def test_first_registration_without_schedule_creates_no_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow())

    assert (result["status"], result["version"], result["scheduled_runs"]) == ("created", 1, 0)
    assert _flow(api, result["flow_id"])["schedule_active"] is False
    assert runs_of(db) == []


def test_same_hash_is_skipped_without_new_version_or_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    first = register(api, build_flow(schedule=hourly()))

    again = register(api, build_flow(schedule=hourly()), expect=200)

    assert again["status"] == "skipped"
    assert (again["flow_id"], again["version"]) == (first["flow_id"], 1)
    assert again["scheduled_runs"] == 0
    versions = api.get(f"/api/flows/{first['flow_id']}/versions").json()
    assert [v["version"] for v in versions] == [1]
    assert len(runs_of(db)) == 10


def test_changed_flow_makes_version_2_and_archives_version_1(
        api: httpx.Client, project: str) -> None:
    first = register(api, build_flow())

    second = register(api, build_flow(changed=True))

    assert (second["status"], second["version"]) == ("created", 2)
    assert second["archived_flow_id"] == first["flow_id"]
    assert second["flow_group_id"] == first["flow_group_id"]
    assert _flow(api, first["flow_id"])["archived"] is True
    assert _flow(api, second["flow_id"])["archived"] is False
    versions = api.get(f"/api/flows/{second['flow_id']}/versions").json()
    assert [(v["version"], v["archived"]) for v in versions] == [(2, False), (1, True)]
    latest = api.get("/api/flows", params={"project": project}).json()
    assert [v["id"] for v in latest] == [second["flow_id"]]


def test_changed_flow_replaces_future_runs_and_keeps_manual_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    # Starting in the future, so both versions' next ten times are the same, whenever now is.
    start = dt.datetime(2040, 1, 1, tzinfo=dt.UTC)
    first = register(api, build_flow(schedule=hourly(start_date=start)))
    manual = create_run(api, flow_id=first["flow_id"], run_name="by-hand")
    v1_times = [r.scheduled_start_time for r in runs_of(db) if r.auto_scheduled]

    second = register(api, build_flow(schedule=hourly(start_date=start), changed=True))

    assert second["scheduled_runs"] == 10
    runs = runs_of(db, first["flow_group_id"])
    auto = [r for r in runs if r.auto_scheduled]
    assert [r.scheduled_start_time for r in auto] == v1_times
    assert v1_times[0] == start
    assert {r.flow_id for r in auto} == {second["flow_id"]}
    kept = [r for r in runs if not r.auto_scheduled]
    assert [(r.id, r.flow_id, r.name) for r in kept] == [
        (manual["id"], first["flow_id"], "by-hand")]


def test_registration_into_missing_project_is_404_with_hint(api: httpx.Client) -> None:
    response = api.post("/api/flows/register", json=registration("nowhere", build_flow()))

    assert response.status_code == 404
    assert "Project 'nowhere' does not exist" in response.json()["detail"]
    assert "caudal create project" in response.json()["detail"]


def test_deactivated_schedule_stays_off_when_registered_unchanged(
        api: httpx.Client, db: Database, project: str) -> None:
    first = register(api, build_flow(schedule=hourly()))
    off = api.post(f"/api/flows/{first['flow_id']}/schedule/deactivate")
    assert off.status_code == 200, off.text

    again = register(api, build_flow(schedule=hourly()), expect=200)

    assert again["scheduled_runs"] == 0
    assert _flow(api, first["flow_id"])["schedule_active"] is False
    assert runs_of(db) == []


def test_deactivated_schedule_stays_off_when_registered_changed(
        api: httpx.Client, db: Database, project: str) -> None:
    first = register(api, build_flow(schedule=hourly()))
    api.post(f"/api/flows/{first['flow_id']}/schedule/deactivate").raise_for_status()

    second = register(api, build_flow(schedule=hourly(), changed=True))

    assert second["scheduled_runs"] == 0
    assert _flow(api, second["flow_id"])["schedule_active"] is False
    assert runs_of(db) == []


@pytest.mark.parametrize("changed", [False, True], ids=["unchanged", "changed"])
def test_set_schedule_active_switches_schedule_on_registration(
        api: httpx.Client, db: Database, project: str, changed: bool) -> None:
    first = register(api, build_flow(schedule=hourly()))

    off = register(api, build_flow(schedule=hourly(), changed=changed),
                   expect=201 if changed else 200, set_schedule_active=False)
    assert _flow(api, off["flow_id"])["schedule_active"] is False
    assert runs_of(db, first["flow_group_id"]) == []

    on = register(api, build_flow(schedule=hourly(), changed=changed), expect=200,
                  set_schedule_active=True)
    assert _flow(api, on["flow_id"])["schedule_active"] is True
    assert on["scheduled_runs"] == 10
    assert len(runs_of(db, first["flow_group_id"])) == 10


def test_new_flow_registered_inactive_creates_no_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow(schedule=hourly()), set_schedule_active=False)

    assert result["scheduled_runs"] == 0
    assert _flow(api, result["flow_id"])["schedule_active"] is False
    assert runs_of(db) == []


def test_flow_gaining_a_schedule_has_it_switched_on(
        api: httpx.Client, db: Database, project: str) -> None:
    register(api, build_flow())

    second = register(api, build_flow(schedule=hourly()))

    assert second["scheduled_runs"] == 10
    assert _flow(api, second["flow_id"])["schedule_active"] is True


def test_same_flow_name_in_two_projects_makes_two_flows(api: httpx.Client) -> None:
    create_project(api, "a")
    create_project(api, "b")

    in_a = register(api, build_flow(), project="a")
    in_b = register(api, build_flow(), project="b")

    assert in_a["flow_group_id"] != in_b["flow_group_id"]
    assert in_a["version"] == in_b["version"] == 1


@pytest.mark.parametrize("parameters", [
    "not a list",
    [1, 2],
    [{"default": 1}],
    [{"name": "x", "surprise": True}],
], ids=["string", "numbers", "no-name", "unknown-key"])
def test_malformed_parameters_are_422(
        api: httpx.Client, db: Database, project: str, parameters: object) -> None:
    body = registration(project, build_flow())
    body["serialized"]["parameters"] = parameters

    response = api.post("/api/flows/register", json=body)

    assert response.status_code == 422, response.text
    assert "flow 'etl'" in response.json()["detail"]
    assert "'parameters'" in response.json()["detail"]
    assert api.get("/api/flows").json() == []


@pytest.mark.parametrize("schedule", [
    ["not", "an", "object"],
    {"type": "Schedule", "clocks": [{"type": "SundialClock"}]},
    {"type": "Schedule", "clocks": [{"type": "IntervalClock", "interval_s": -5}]},
    {"type": "Schedule", "clocks": [{"type": "CronClock", "cron": "every tuesday"}]},
    {"type": "Schedule", "clocks": [{"type": "CronClock", "cron": "0 0 31 2 *"}]},
    {"type": "Schedule", "clocks": [{"type": "IntervalClock", "interval_s": 60.0,
                                     "labels": [1, 2]}]},
], ids=["list", "unknown-clock", "negative-interval", "bad-cron", "never-fires",
        "number-labels"])
def test_malformed_schedule_is_422(
        api: httpx.Client, db: Database, project: str, schedule: object) -> None:
    body = registration(project, build_flow())
    body["serialized"]["schedule"] = schedule

    response = api.post("/api/flows/register", json=body)

    assert response.status_code == 422, response.text
    assert "schedule of flow 'etl'" in response.json()["detail"]
    assert api.get("/api/flows").json() == []
    assert runs_of(db) == []
