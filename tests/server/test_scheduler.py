"""Scheduler: each active schedule's next runs are created ahead, once, whoever runs it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import httpx
from sqlalchemy import event, update

from caudal.schedules.clocks import CronClock, IntervalClock
from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.scheduler import Scheduler

from .helpers import HOURLY, build_flow, hourly, register, run_together, runs_of

# Far from the time the tests run, so registration's own runs (made from the real clock)
# are never "ahead" of it and each pass below starts from nothing.
NOW = dt.datetime(2031, 3, 1, 12, 5, tzinfo=dt.UTC)


def _three_clocks() -> list:
    """Three clocks that each fire several times within any ten consecutive events."""
    return [
        IntervalClock(HOURLY, parameter_defaults={"source": "s3://a"}, labels=["a"]),
        IntervalClock(HOURLY, start_date=dt.datetime(2019, 1, 1, 0, 20),
                      parameter_defaults={"source": "s3://b"}, labels=["b"]),
        CronClock("40 * * * *", parameter_defaults={"source": "s3://c"}, labels=["c"]),
    ]


def _key(run: object) -> tuple:
    return (run.scheduled_start_time, tuple(sorted(run.parameters.items())))


def test_runs_carry_each_clocks_parameters_and_labels(
        api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow(schedule=_three_clocks()), labels=["flow-label"])

    created = Scheduler(db, ahead=10).run_once(NOW)

    assert created == 10
    future = [r for r in runs_of(db, result["flow_group_id"])
              if r.scheduled_start_time > NOW]
    assert len(future) == 10
    by_minute = {r.scheduled_start_time.minute: (r.parameters, r.labels) for r in future}
    assert by_minute == {0: ({"source": "s3://a"}, ["a"]), 20: ({"source": "s3://b"}, ["b"]),
                         40: ({"source": "s3://c"}, ["c"])}
    assert [r.scheduled_start_time for r in future][:3] == [
        dt.datetime(2031, 3, 1, 12, 20, tzinfo=dt.UTC),
        dt.datetime(2031, 3, 1, 12, 40, tzinfo=dt.UTC),
        dt.datetime(2031, 3, 1, 13, 0, tzinfo=dt.UTC)]
    assert all(r.auto_scheduled and r.state == "Scheduled" for r in future)


def test_clock_without_labels_gives_runs_the_flows_labels(
        api: httpx.Client, db: Database, project: str) -> None:
    register(api, build_flow(schedule=hourly()), labels=["flow-label"])

    Scheduler(db).run_once(NOW)

    future = [r for r in runs_of(db) if r.scheduled_start_time > NOW]
    assert future and {tuple(r.labels) for r in future} == {("flow-label",)}
    assert {tuple(r.parameters.items()) for r in future} == {()}


def test_run_once_twice_creates_no_duplicates(
        api: httpx.Client, db: Database, project: str) -> None:
    register(api, build_flow(schedule=_three_clocks()))
    scheduler = Scheduler(db, ahead=10)

    first = scheduler.run_once(NOW)
    second = scheduler.run_once(NOW)
    later = scheduler.run_once(NOW + dt.timedelta(minutes=40))

    assert (first, second) == (10, 0)
    assert later == 2  # 12:20 and 12:40 are no longer ahead; two more top it up to ten
    keys = Counter(_key(r) for r in runs_of(db))
    assert max(keys.values()) == 1


def test_run_once_right_after_registration_creates_nothing(
        api: httpx.Client, db: Database, project: str) -> None:
    register(api, build_flow(schedule=hourly()))

    assert Scheduler(db).run_once(dt.datetime.now(dt.UTC)) == 0
    assert len(runs_of(db)) == 10


def test_two_schedulers_on_two_databases_at_once_create_each_run_once(
        api: httpx.Client, database_url: str, db: Database, project: str) -> None:
    register(api, build_flow("a", schedule=_three_clocks()))
    register(api, build_flow("b", schedule=hourly()))
    databases = [Database(database_url) for _ in range(2)]
    created: list[int] = []

    def schedule(_: int, database: Database) -> None:
        for _ in range(3):
            created.append(Scheduler(database, ahead=20).run_once(NOW))

    errors = run_together(schedule, databases)

    assert errors == []
    future = [r for r in runs_of(db) if r.scheduled_start_time > NOW]
    assert sum(created) == len(future) == 40
    keys = Counter((r.flow_group_id, *_key(r)) for r in future)
    assert max(keys.values()) == 1


def test_deactivate_deletes_future_runs_and_activate_recreates_them(
        api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow(schedule=hourly()))
    manual = api.post("/api/flow-runs", json={"flow_id": result["flow_id"]}).json()
    times = [r.scheduled_start_time for r in runs_of(db) if r.auto_scheduled]

    off = api.post(f"/api/flows/{result['flow_id']}/schedule/deactivate")

    assert off.status_code == 200, off.text
    assert off.json() == {"flow_group_id": result["flow_group_id"], "active": False,
                          "scheduled_runs": 0}
    assert [r.id for r in runs_of(db)] == [manual["id"]]
    assert Scheduler(db).run_once(NOW) == 0

    on = api.post(f"/api/flows/{result['flow_id']}/schedule/activate")

    assert on.status_code == 200, on.text
    assert on.json()["active"] is True
    assert on.json()["scheduled_runs"] == 10
    auto = [r for r in runs_of(db) if r.auto_scheduled]
    assert len(auto) == 10
    # The same clock times again (less the first, should the clock pass it meanwhile).
    assert set(times[1:]) <= {r.scheduled_start_time for r in auto}


def test_schedule_switch_of_unknown_flow_is_404(api: httpx.Client) -> None:
    response = api.post("/api/flows/no-such-flow/schedule/activate")

    assert response.status_code == 404
    assert "no-such-flow" in response.json()["detail"]


def test_archived_only_flow_gets_no_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    result = register(api, build_flow(schedule=hourly()))

    archived = api.post(f"/api/flows/{result['flow_id']}/archive")

    assert archived.status_code == 200, archived.text
    assert archived.json()["archived"] is True
    assert runs_of(db) == []
    assert Scheduler(db).run_once(NOW) == 0
    assert runs_of(db) == []


def test_broken_stored_schedule_does_not_stop_the_others(
        api: httpx.Client, db: Database, project: str) -> None:
    broken = register(api, build_flow("broken", schedule=hourly()),
                      set_schedule_active=False)
    healthy = register(api, build_flow("healthy", schedule=hourly()),
                       set_schedule_active=False)
    groups = models.flow_groups
    with db.write() as conn:
        conn.execute(update(groups).values(schedule_active=True))
        conn.execute(update(groups).where(groups.c.id == broken["flow_group_id"]).values(
            schedule={"type": "Schedule", "clocks": [{"type": "SundialClock"}]}))

    created = Scheduler(db).run_once(NOW)

    assert created == 10
    assert runs_of(db, broken["flow_group_id"]) == []
    assert len(runs_of(db, healthy["flow_group_id"])) == 10


def test_inactive_schedule_gets_no_runs(
        api: httpx.Client, db: Database, project: str) -> None:
    register(api, build_flow(schedule=hourly()), set_schedule_active=False)

    assert Scheduler(db).run_once(NOW) == 0
    assert runs_of(db) == []


def _statements_of_a_pass(db: Database) -> tuple[int, list[str]]:
    """Run one scheduler pass at NOW; how many runs it made, and the SQL it sent."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        created = Scheduler(db).run_once(NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return created, [s for s in statements if not s.startswith("BEGIN")]


def test_pass_does_not_touch_flows_without_schedule(
        api: httpx.Client, db: Database, project: str) -> None:
    for name in ("a", "b", "c"):
        register(api, build_flow(name), set_schedule_active=True)

    created, queries = _statements_of_a_pass(db)

    assert created == 0
    # One query finds the schedules due; none is, so no write transaction is opened.
    assert len(queries) == 1, queries


def test_a_cancelled_future_run_keeps_its_time_and_costs_no_writes(
        api: httpx.Client, db: Database, project: str) -> None:
    register(api, build_flow(schedule=hourly()))
    assert Scheduler(db).run_once(NOW) == 10
    (first, *_) = sorted((r for r in runs_of(db) if r.scheduled_start_time > NOW),
                         key=lambda r: r.scheduled_start_time)
    cancelled = api.post(f"/api/flow-runs/{first.id}/cancel")
    assert cancelled.json()["state"] == "Cancelled"

    created, queries = _statements_of_a_pass(db)

    assert created == 0
    assert len(queries) == 1, queries
    assert {r.id: r.state for r in runs_of(db)}[first.id] == "Cancelled"


def test_a_slow_clock_beside_fast_ones_gets_its_next_run(db: Database, api: httpx.Client,
                                                         project: str) -> None:
    from caudal.schedules import Schedule

    schedule = Schedule(clocks=[
        IntervalClock(dt.timedelta(minutes=10), start_date=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                      parameter_defaults={"source": "fast"}),
        CronClock("0 3 * * *", parameter_defaults={"source": "daily"}, labels=["nightly"]),
    ])
    register(api, build_flow("mixed", schedule=schedule))

    Scheduler(db, ahead=10).run_once(NOW)

    future = [r for r in runs_of(db) if r.scheduled_start_time > NOW]
    daily = [r for r in future if r.parameters == {"source": "daily"}]
    assert len(daily) == 1 and daily[0].labels == ["nightly"]
    assert daily[0].scheduled_start_time.hour == 3
    assert len([r for r in future if r.parameters == {"source": "fast"}]) >= 10
