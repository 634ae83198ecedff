"""Schedules built from pendulum DateTimes, as Prefect's documentation writes them, and the
pendulum DateTimes every schedule gives back (flows call ``in_tz``, ``subtract`` on them)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import pendulum

import caudal
from caudal import Flow, task
from caudal.schedules import CronSchedule, IntervalSchedule, Schedule
from caudal.schedules.clocks import CronClock, DatesClock, IntervalClock


def isoformats(times: list) -> list[str]:
    return [t.isoformat() for t in times]


def test_interval_schedule_from_a_pendulum_start_keeps_9am_across_dst():
    schedule = IntervalSchedule(start_date=pendulum.datetime(2021, 3, 1, 9, tz="America/New_York"),
                                interval=dt.timedelta(days=1))

    assert isoformats(schedule.next(3, after=pendulum.datetime(2021, 3, 12))) == [
        "2021-03-12T09:00:00-05:00", "2021-03-13T09:00:00-05:00", "2021-03-14T09:00:00-04:00"]


def test_schedule_times_are_pendulum_datetimes_a_flow_can_call_pendulum_on():
    schedule = IntervalSchedule(start_date=pendulum.datetime(2021, 3, 1, 9, tz="America/New_York"),
                                interval=dt.timedelta(days=1))

    first = schedule.next(1, after=pendulum.datetime(2021, 3, 14))[0]

    assert isinstance(first, pendulum.DateTime)
    assert first.in_tz("America/Sao_Paulo").isoformat() == "2021-03-14T10:00:00-03:00"
    assert first.to_date_string() == "2021-03-14"
    assert first.subtract(days=1).isoformat() == "2021-03-13T09:00:00-05:00"


def test_stdlib_start_dates_give_pendulum_times_too():
    schedules = [
        IntervalSchedule(start_date=dt.datetime(2021, 1, 1, 9), interval=dt.timedelta(hours=6)),
        CronSchedule("0 9 * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))),
        Schedule([DatesClock([dt.datetime(2031, 1, 1)])]),
    ]

    for schedule in schedules:
        events = schedule.next(2, after=dt.datetime(2021, 3, 1), return_events=True)
        assert events and all(isinstance(e.start_time, pendulum.DateTime) for e in events)


def test_clock_events_and_dates_are_pendulum_datetimes():
    clock = CronClock("30 2 * * *", start_date=pendulum.datetime(2021, 1, 1, tz="Europe/Berlin"),
                      end_date=pendulum.datetime(2021, 12, 31, tz="Europe/Berlin"))

    event = next(iter(clock.events(after=pendulum.datetime(2021, 3, 27, 12))))

    assert isinstance(event.start_time, pendulum.DateTime)
    assert event.start_time.isoformat() == "2021-03-28T03:30:00+02:00"  # 02:30 does not exist
    assert isinstance(clock.start_date, pendulum.DateTime)
    assert Schedule([clock]).end_date.to_date_string() == "2021-12-31"


def test_pendulum_timezone_objects_and_zone_names_give_the_same_times():
    berlin = pendulum.timezone("Europe/Berlin")
    by_object = IntervalClock(dt.timedelta(days=1), start_date=berlin.datetime(2021, 3, 1, 3))
    by_name = IntervalClock(dt.timedelta(days=1),
                            start_date=pendulum.datetime(2021, 3, 1, 3, tz="Europe/Berlin"))
    after = pendulum.datetime(2021, 3, 26)

    assert isoformats(Schedule([by_object]).next(3, after=after)) == isoformats(
        Schedule([by_name]).next(3, after=after)) == [
        "2021-03-26T03:00:00+01:00", "2021-03-27T03:00:00+01:00", "2021-03-28T03:00:00+02:00"]


def test_pendulum_end_date_and_after_in_another_zone():
    schedule = IntervalSchedule(
        start_date=pendulum.datetime(2021, 1, 1, 9, tz="America/Sao_Paulo"),
        interval=dt.timedelta(days=1),
        end_date=pendulum.datetime(2021, 1, 3, 9, tz="America/Sao_Paulo"))

    times = schedule.next(5, after=pendulum.datetime(2021, 1, 1, 20, tz="Asia/Tokyo"))

    assert isoformats(times) == ["2021-01-01T09:00:00-03:00", "2021-01-02T09:00:00-03:00",
                                 "2021-01-03T09:00:00-03:00"]


def test_interval_as_a_pendulum_duration():
    schedule = IntervalSchedule(start_date=pendulum.datetime(2021, 3, 13, 9, tz="America/New_York"),
                                interval=pendulum.duration(hours=12))

    assert isoformats(schedule.next(3, after=pendulum.datetime(2021, 3, 14, 5))) == [
        "2021-03-14T10:00:00-04:00", "2021-03-14T22:00:00-04:00", "2021-03-15T10:00:00-04:00"]


def test_cron_clock_with_a_fixed_offset_from_pendulum_parse():
    # Prefect 0.15.9 raises UnknownTimeZoneError('-03:00') here.
    clock = CronClock("0 9 * * *", start_date=pendulum.parse("2021-01-01T00:00:00-03:00"))

    assert isoformats(Schedule([clock]).next(2, after=pendulum.datetime(2021, 3, 26))) == [
        "2021-03-26T09:00:00-03:00", "2021-03-27T09:00:00-03:00"]


def test_dates_clock_from_pendulum_dates():
    clock = DatesClock([pendulum.datetime(2031, 1, 3, 9),
                        pendulum.datetime(2031, 1, 1, 9, tz="America/Sao_Paulo")])

    assert isoformats(Schedule([clock]).next(5, after=pendulum.datetime(2030, 1, 1))) == [
        "2031-01-01T09:00:00-03:00", "2031-01-03T09:00:00+00:00"]


def test_pendulum_schedule_is_described_like_its_zoneinfo_twin():
    new_york = ZoneInfo("America/New_York")
    from_pendulum = Schedule([CronClock(
        "0 9 * * *", start_date=pendulum.datetime(2021, 1, 1, tz="America/New_York"),
        end_date=pendulum.datetime(2021, 12, 31))])
    from_zoneinfo = Schedule([CronClock(
        "0 9 * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=new_york),
        end_date=dt.datetime(2021, 12, 31, tzinfo=ZoneInfo("UTC")))])

    assert from_pendulum.serialize() == from_zoneinfo.serialize()
    back = Schedule.from_serialized(json.loads(json.dumps(from_pendulum.serialize())))
    assert back.next(3, after=pendulum.datetime(2021, 3, 13)) == from_pendulum.next(
        3, after=pendulum.datetime(2021, 3, 13))


@task
def report_day():
    return caudal.context.scheduled_start_time.in_tz("America/Sao_Paulo").to_date_string()


def test_flow_on_a_pendulum_schedule_runs_with_a_pendulum_scheduled_time():
    start = pendulum.now("UTC").add(seconds=0.3)
    schedule = IntervalSchedule(start_date=start, interval=dt.timedelta(hours=1),
                                end_date=start.add(minutes=30))
    with Flow("daily-report", schedule=schedule) as flow:
        day = report_day()

    state = flow.run()

    assert state.is_successful()
    assert state.result[day].result == start.in_tz("America/Sao_Paulo").to_date_string()


def test_importing_schedules_does_not_load_pendulum():
    code = ("import sys, caudal; from caudal.schedules import IntervalSchedule, Schedule, "
            "filters, adjustments; from caudal.schedules.clocks import RRuleClock; "
            "print('pendulum' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)

    assert done.stdout.strip() == "False", done.stderr
