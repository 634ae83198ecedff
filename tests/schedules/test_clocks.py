"""Clocks over real DST transitions, start-date forms, end dates and per-clock metadata."""

from __future__ import annotations

import datetime as dt
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from caudal.schedules.clocks import ClockEvent, CronClock, DatesClock, IntervalClock

SP = ZoneInfo("America/Sao_Paulo")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def times(clock, after, n=5):
    return [e.start_time.isoformat() for e in islice(clock.events(after=after), n)]


def test_cron_clock_missing_local_midnight_in_sao_paulo_fires_an_hour_later():
    clock = CronClock("0 0 * * *", start_date=dt.datetime(2018, 1, 1, tzinfo=SP))

    assert times(clock, dt.datetime(2018, 11, 2), 3) == [
        "2018-11-02T00:00:00-03:00", "2018-11-03T00:00:00-03:00", "2018-11-04T01:00:00-02:00"]


def test_cron_clock_repeated_hour_in_sao_paulo_fires_once_at_second_occurrence():
    clock = CronClock("*/20 * * * *", start_date=dt.datetime(2018, 1, 1, tzinfo=SP))

    assert times(clock, dt.datetime(2019, 2, 17, 0, 30), 4) == [
        "2019-02-16T22:40:00-02:00", "2019-02-16T23:00:00-03:00",
        "2019-02-16T23:20:00-03:00", "2019-02-16T23:40:00-03:00"]


def test_cron_clock_in_berlin_keeps_wall_time_across_both_changes():
    clock = CronClock("30 2 * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=BERLIN))

    assert times(clock, dt.datetime(2021, 3, 27), 2) == [
        "2021-03-27T02:30:00+01:00", "2021-03-28T03:30:00+02:00"]
    assert times(clock, dt.datetime(2021, 10, 30), 2) == [
        "2021-10-30T02:30:00+02:00", "2021-10-31T02:30:00+01:00"]


def test_hourly_cron_clock_fires_once_per_wall_hour_when_clocks_fall_back():
    clock = CronClock("0 * * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=NEW_YORK))

    assert times(clock, dt.datetime(2021, 11, 7, 4, 30), 3) == [
        "2021-11-07T01:00:00-05:00", "2021-11-07T02:00:00-05:00", "2021-11-07T03:00:00-05:00"]


def test_hourly_cron_clock_skips_the_missing_hour_in_new_york():
    clock = CronClock("0 * * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=NEW_YORK))

    assert times(clock, dt.datetime(2021, 3, 14, 6, 30), 2) == [
        "2021-03-14T03:00:00-04:00", "2021-03-14T04:00:00-04:00"]


def test_cron_clock_without_start_date_runs_in_utc():
    assert times(CronClock("0 6 * * *"), dt.datetime(2021, 1, 1, 7), 1) == [
        "2021-01-02T06:00:00+00:00"]


def test_cron_clock_never_fires_before_its_start_date():
    clock = CronClock("0 12 * * *", start_date=dt.datetime(2021, 1, 1, 12))

    assert times(clock, dt.datetime(2020, 1, 1), 1) == ["2021-01-01T12:00:00+00:00"]


def test_cron_clock_stops_at_end_date():
    clock = CronClock("0 12 * * *", start_date=dt.datetime(2021, 3, 20, 12, tzinfo=BERLIN),
                      end_date=dt.datetime(2021, 3, 22, 12, tzinfo=BERLIN))

    assert len(list(clock.events(after=dt.datetime(2021, 1, 1)))) == 3


def test_cron_clock_with_invalid_cron_raises_value_error():
    with pytest.raises(ValueError, match="'not a cron'"):
        CronClock("not a cron")


def test_daily_interval_clock_keeps_wall_time_across_berlin_changes():
    clock = IntervalClock(dt.timedelta(days=1),
                          start_date=dt.datetime(2021, 1, 1, 2, 30, tzinfo=BERLIN))

    assert times(clock, dt.datetime(2021, 3, 26), 3) == [
        "2021-03-26T02:30:00+01:00", "2021-03-27T02:30:00+01:00", "2021-03-28T03:30:00+02:00"]
    assert times(clock, dt.datetime(2021, 10, 29), 3) == [
        "2021-10-29T02:30:00+02:00", "2021-10-30T02:30:00+02:00", "2021-10-31T02:30:00+01:00"]


def test_daily_interval_clock_in_sao_paulo_moves_missing_midnight_hour_forward():
    clock = IntervalClock(dt.timedelta(days=1),
                          start_date=dt.datetime(2018, 1, 1, 0, 30, tzinfo=SP))

    assert times(clock, dt.datetime(2018, 11, 3, 12), 2) == [
        "2018-11-04T01:30:00-02:00", "2018-11-05T00:30:00-02:00"]


def test_daily_interval_clock_gives_event_right_after_dst_when_asked_just_before_it():
    # Prefect 0.15.9 skips 2021-11-05 here (it counts whole days in elapsed time).
    clock = IntervalClock(dt.timedelta(days=1),
                          start_date=dt.datetime(2021, 7, 1, 3, tzinfo=BERLIN))

    assert times(clock, dt.datetime(2021, 11, 5, 2, 30, tzinfo=BERLIN), 1) == [
        "2021-11-05T03:00:00+01:00"]


def test_interval_clock_never_returns_the_after_time_itself():
    # Prefect 0.15.9 returns 2021-04-01T03:00+02:00 here, equal to `after`.
    clock = IntervalClock(dt.timedelta(days=1),
                          start_date=dt.datetime(2021, 1, 1, 3, tzinfo=BERLIN))

    assert times(clock, dt.datetime(2021, 4, 1, 3, tzinfo=BERLIN), 1) == [
        "2021-04-02T03:00:00+02:00"]


def test_short_interval_clock_keeps_fixed_durations_across_spring_forward():
    # Prefect 0.15.9 gives 01:30, 03:00, 03:30, 03:00, 03:30 (wall-clock days once a day in).
    clock = IntervalClock(dt.timedelta(minutes=30),
                          start_date=dt.datetime(2021, 3, 1, tzinfo=NEW_YORK))

    assert times(clock, dt.datetime(2021, 3, 14, 1, tzinfo=NEW_YORK), 4) == [
        "2021-03-14T01:30:00-05:00", "2021-03-14T03:00:00-04:00",
        "2021-03-14T03:30:00-04:00", "2021-03-14T04:00:00-04:00"]


def test_hourly_interval_clock_fires_twice_in_repeated_hour_when_clocks_fall_back():
    clock = IntervalClock(dt.timedelta(hours=1),
                          start_date=dt.datetime(2021, 10, 1, tzinfo=NEW_YORK))

    assert times(clock, dt.datetime(2021, 11, 7, 0, 30, tzinfo=NEW_YORK), 3) == [
        "2021-11-07T01:00:00-04:00", "2021-11-07T01:00:00-05:00", "2021-11-07T02:00:00-05:00"]


def test_interval_clock_without_start_counts_from_2019_in_utc():
    clock = IntervalClock(dt.timedelta(minutes=45))

    assert times(clock, dt.datetime(2019, 1, 1, 0, 45), 1) == ["2019-01-01T01:30:00+00:00"]


@pytest.mark.parametrize("interval", [dt.timedelta(0), dt.timedelta(seconds=-1)])
def test_interval_clock_with_non_positive_interval_raises_value_error(interval):
    with pytest.raises(ValueError):
        IntervalClock(interval)


def test_interval_clock_with_non_timedelta_raises_type_error():
    with pytest.raises(TypeError, match="'int'"):
        IntervalClock(60)


def test_naive_start_date_is_utc():
    start = CronClock("0 3 * * *", start_date=dt.datetime(2021, 1, 1)).start_date

    assert start.isoformat() == "2021-01-01T00:00:00+00:00"
    assert start.timezone_name == "UTC"


def test_pytz_zone_in_constructor_keeps_wall_time_and_drops_lmt_offset():
    pytz = pytest.importorskip("pytz")
    start = dt.datetime(2018, 1, 1, 0, 30, tzinfo=pytz.timezone("America/Sao_Paulo"))

    clock = IntervalClock(dt.timedelta(days=1), start_date=start)

    assert clock.start_date.isoformat() == "2018-01-01T00:30:00-02:00"
    assert times(clock, dt.datetime(2018, 11, 3, 12), 1) == ["2018-11-04T01:30:00-02:00"]


def test_pytz_localized_start_date_keeps_its_instant():
    pytz = pytest.importorskip("pytz")
    start = pytz.timezone("Europe/Berlin").localize(dt.datetime(2021, 10, 31, 2, 30), is_dst=True)

    assert CronClock("* * * * *", start_date=start).start_date.isoformat() == (
        "2021-10-31T02:30:00+02:00")


def test_events_carry_the_clocks_parameter_defaults_and_labels():
    clock = CronClock("0 3 * * *", parameter_defaults={"table": "iptu"}, labels=["gcp"])

    event = next(iter(clock.events(after=dt.datetime(2021, 1, 1))))

    assert (event.parameter_defaults, event.labels) == ({"table": "iptu"}, ["gcp"])


def test_dates_clock_fires_on_its_dates_after_the_given_time_in_order():
    clock = DatesClock([dt.datetime(2021, 1, 3), dt.datetime(2021, 1, 1, tzinfo=SP),
                        dt.datetime(2021, 1, 2)])

    assert times(clock, dt.datetime(2021, 1, 1, 12)) == [
        "2021-01-02T00:00:00+00:00", "2021-01-03T00:00:00+00:00"]
    assert clock.start_date.isoformat() == "2021-01-01T00:00:00-03:00"


def test_clock_event_equality_uses_instant_and_metadata():
    utc = ClockEvent(dt.datetime(2021, 1, 1, 3, tzinfo=UTC), {"a": 1})
    sao_paulo = ClockEvent(dt.datetime(2021, 1, 1, 0, tzinfo=SP), {"a": 1})

    assert utc == sao_paulo
    assert utc != ClockEvent(utc.start_time, {"a": 2})
    assert utc == dt.datetime(2021, 1, 1, 3, tzinfo=UTC)
    assert utc < dt.datetime(2021, 1, 1, 4)


def test_clock_event_sort_key_is_its_instant_across_time_zones():
    utc = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    sao_paulo = utc.astimezone(ZoneInfo("America/Sao_Paulo"))

    first, second = ClockEvent(sao_paulo), ClockEvent(utc + dt.timedelta(minutes=1))

    assert first.sort_key() == ClockEvent(utc).sort_key()
    assert sorted([second, first], key=ClockEvent.sort_key) == [first, second]
