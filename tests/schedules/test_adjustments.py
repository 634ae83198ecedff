"""Adjustments move a date; whole days keep the local wall time across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum

from caudal.schedules import adjustments

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_add_a_day_keeps_wall_time_across_berlin_spring_forward():
    moved = adjustments.add(dt.timedelta(days=1))(dt.datetime(2021, 3, 27, 9, tzinfo=BERLIN))

    assert moved.isoformat() == "2021-03-28T09:00:00+02:00"


def test_add_hours_is_elapsed_time_across_new_york_fall_back():
    moved = adjustments.add(dt.timedelta(hours=2))(dt.datetime(2021, 11, 7, 0, 30, tzinfo=NEW_YORK))

    assert moved.isoformat() == "2021-11-07T01:30:00-05:00"


def test_add_to_naive_date_reads_it_as_utc():
    moved = adjustments.add(dt.timedelta(minutes=5))(dt.datetime(2021, 1, 1))

    assert moved.isoformat() == "2021-01-01T00:05:00+00:00"
    assert moved.timezone_name == "UTC"


def test_adjustments_give_pendulum_datetimes_as_prefect_does():
    moved = adjustments.add(dt.timedelta(days=1))(dt.datetime(2021, 3, 13, 9, tzinfo=NEW_YORK))
    monday = adjustments.next_weekday(dt.datetime(2021, 1, 4, 9, tzinfo=BERLIN))

    assert isinstance(moved, pendulum.DateTime) and isinstance(monday, pendulum.DateTime)
    assert moved.isoformat() == "2021-03-14T09:00:00-04:00"
    assert moved.subtract(days=1).to_date_string() == "2021-03-13"


def test_adjustments_take_prefects_argument_names():
    saturday = dt.datetime(2021, 1, 2, 9)

    assert adjustments.next_weekday(dt=saturday).isoformat() == "2021-01-04T09:00:00+00:00"
    assert adjustments.add(interval=dt.timedelta(hours=1))(saturday).hour == 10


def test_add_takes_a_pendulum_duration():
    start = pendulum.datetime(2021, 3, 13, 9, tz="America/New_York")

    moved = adjustments.add(pendulum.duration(days=1, hours=1))(start)

    assert moved.isoformat() == "2021-03-14T10:00:00-04:00"


def test_next_weekday_moves_weekend_to_monday_keeping_wall_time():
    saturday = dt.datetime(2021, 1, 2, 2, 30, tzinfo=NEW_YORK)

    assert adjustments.next_weekday(saturday).isoformat() == "2021-01-04T02:30:00-05:00"


def test_next_weekday_through_a_missing_hour_stays_an_hour_later_as_prefect_does():
    saturday = dt.datetime(2021, 3, 13, 2, 30, tzinfo=NEW_YORK)

    assert adjustments.next_weekday(saturday).isoformat() == "2021-03-15T03:30:00-04:00"


def test_next_weekday_leaves_a_weekday_alone():
    friday = dt.datetime(2021, 1, 1, 9, tzinfo=BERLIN)

    assert adjustments.next_weekday(friday) == friday
