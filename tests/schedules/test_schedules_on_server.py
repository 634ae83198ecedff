"""Registered schedules with RRuleClock and pendulum start dates: the server's scheduler creates
the runs the schedule gives on your laptop, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import httpx
import pendulum
from dateutil import rrule

from caudal.schedules import IntervalSchedule, Schedule
from caudal.schedules.clocks import RRuleClock
from caudal.server.db.engine import Database
from caudal.server.scheduler import Scheduler
from server.helpers import build_flow, create_project, register, runs_of

# Far from the time the tests run, so the runs registration makes from the real clock are
# never ahead of it and the scheduler's pass starts from nothing. A Friday.
NOW = dt.datetime(2031, 3, 7, 12, 5, tzinfo=dt.UTC)


def _future_runs(db: Database, group_id: str) -> list:
    return sorted((r for r in runs_of(db, group_id) if r.scheduled_start_time > NOW),
                  key=lambda r: r.scheduled_start_time)


def test_scheduler_creates_the_runs_of_an_rrule_clock(api: httpx.Client, db: Database) -> None:
    create_project(api)
    twice_on_weekdays = rrule.rrule(
        rrule.WEEKLY, byweekday=(rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR),
        byhour=(6, 18), byminute=0, bysecond=0,
        dtstart=pendulum.datetime(2031, 1, 1, tz="America/Sao_Paulo"))
    schedule = Schedule([RRuleClock(twice_on_weekdays, parameter_defaults={"table": "iptu"},
                                    labels=["sp"])])
    result = register(api, build_flow(schedule=schedule), labels=["flow-label"])

    created = Scheduler(db, ahead=10).run_once(NOW)

    future = _future_runs(db, result["flow_group_id"])
    expected = schedule.next(10, after=NOW)
    assert created == len(future) == 10
    assert [r.scheduled_start_time.timestamp() for r in future] == [
        t.timestamp() for t in expected]
    assert expected[0].isoformat() == "2031-03-07T18:00:00-03:00"  # Friday 18:00, then Monday
    assert expected[1].isoformat() == "2031-03-10T06:00:00-03:00"
    assert all(r.parameters == {"table": "iptu"} and r.labels == ["sp"] for r in future)
    assert Scheduler(db, ahead=10).run_once(NOW) == 0


def test_scheduler_creates_the_runs_of_a_pendulum_interval_schedule(
        api: httpx.Client, db: Database) -> None:
    create_project(api)
    schedule = IntervalSchedule(start_date=pendulum.datetime(2031, 3, 1, 9, tz="America/New_York"),
                                interval=dt.timedelta(days=1))
    result = register(api, build_flow(schedule=schedule))

    Scheduler(db, ahead=10).run_once(NOW)

    future = _future_runs(db, result["flow_group_id"])
    # 09:00 in New York every day, before and after the clocks change on 2031-03-09.
    assert [r.scheduled_start_time.astimezone(dt.UTC).hour for r in future] == [14, 14] + [13] * 8
    assert [r.scheduled_start_time.timestamp() for r in future] == [
        t.timestamp() for t in schedule.next(10, after=NOW)]
