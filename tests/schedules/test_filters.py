"""Filters read the candidate in its own time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest

from caudal.schedules import Schedule, filters
from caudal.schedules.clocks import CronClock

SP = ZoneInfo("America/Sao_Paulo")


def test_on_datetime_matches_the_same_instant_in_another_zone():
    keep = filters.on_datetime(dt.datetime(2021, 1, 1, 3))

    assert keep(dt.datetime(2021, 1, 1, 0, tzinfo=SP))
    assert not keep(dt.datetime(2021, 1, 1, 3, tzinfo=SP))


def test_between_datetimes_includes_both_ends():
    keep = filters.between_datetimes(dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 2))

    assert keep(dt.datetime(2021, 1, 1)) and keep(dt.datetime(2021, 1, 2))
    assert not keep(dt.datetime(2021, 1, 2, 0, 1))


def test_on_date_matches_month_and_day_in_any_year():
    assert filters.on_date(2, 29)(dt.datetime(2020, 2, 29))
    assert not filters.on_date(2, 29)(dt.datetime(2020, 3, 1))


@pytest.mark.parametrize(("day", "kept"), [((10, 14), False), ((10, 15), True), ((1, 1), True),
                                           ((3, 31), True), ((4, 1), False)])
def test_between_dates_wraps_the_new_year(day, kept):
    assert filters.between_dates(10, 15, 3, 31)(dt.datetime(2021, *day)) is kept


def test_between_dates_within_one_year():
    assert filters.between_dates(3, 1, 5, 31)(dt.datetime(2021, 4, 1))
    assert not filters.between_dates(3, 1, 5, 31)(dt.datetime(2021, 6, 1))


def test_at_time_uses_local_wall_time():
    assert filters.at_time(dt.time(9))(dt.datetime(2021, 1, 1, 9, tzinfo=SP))


@pytest.mark.parametrize(("hour", "kept"), [(21, False), (22, True), (1, True), (3, False)])
def test_between_times_wraps_midnight(hour, kept):
    assert filters.between_times(dt.time(22), dt.time(2))(dt.datetime(2021, 1, 1, hour)) is kept


def test_weekday_and_weekend():
    friday, saturday = dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 2)

    assert filters.is_weekday(friday) and not filters.is_weekend(friday)
    assert filters.is_weekend(saturday) and not filters.is_weekday(saturday)


def test_month_end_and_start_in_a_leap_year():
    assert filters.is_month_end(dt.datetime(2020, 2, 29, 23, tzinfo=SP))
    assert not filters.is_month_end(dt.datetime(2021, 2, 27))
    assert filters.is_month_start(dt.datetime(2021, 3, 1))
    assert not filters.is_month_start(dt.datetime(2021, 3, 2))


def test_is_day_of_week_counts_from_monday():
    assert filters.is_day_of_week(0)(dt.datetime(2021, 1, 4))
    assert not filters.is_day_of_week(0)(dt.datetime(2021, 1, 5))


def test_predicates_take_prefects_argument_name_dt():
    friday, saturday = dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 2)

    assert filters.is_weekday(dt=friday) and filters.is_weekend(dt=saturday)
    assert filters.is_month_start(dt=friday)
    assert filters.is_month_end(dt=dt.datetime(2021, 1, 31))


@pytest.mark.parametrize(("factory", "positional", "keywords"), [
    (filters.on_datetime, (dt.datetime(2021, 1, 1, 9),), {"dt": dt.datetime(2021, 1, 1, 9)}),
    (filters.between_datetimes, (dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 2)),
     {"start": dt.datetime(2021, 1, 1), "end": dt.datetime(2021, 1, 2)}),
    (filters.on_date, (1, 1), {"month": 1, "day": 1}),
    (filters.between_dates, (12, 1, 1, 31),
     {"start_month": 12, "start_day": 1, "end_month": 1, "end_day": 31}),
    (filters.at_time, (dt.time(9),), {"t": dt.time(9)}),
    (filters.between_times, (dt.time(8), dt.time(10)), {"start": dt.time(8), "end": dt.time(10)}),
    (filters.is_day_of_week, (4,), {"day_of_week": 4}),
])
def test_filter_factories_take_prefects_argument_names(factory, positional, keywords):
    by_position, by_name = factory(*positional), factory(**keywords)
    friday_nine = dt.datetime(2021, 1, 1, 9)

    assert by_name(friday_nine) is by_position(friday_nine) is True
    assert Schedule([CronClock("0 9 * * *")], filters=[by_name]).serialize() == (
        Schedule([CronClock("0 9 * * *")], filters=[by_position]).serialize())


def test_filter_factory_with_a_wrong_argument_name_raises_type_error():
    with pytest.raises(TypeError, match="'weekday'"):
        filters.is_day_of_week(weekday=0)


def test_filters_read_pendulum_datetimes_in_their_own_zone():
    sunday_night_in_sao_paulo = pendulum.datetime(2021, 2, 28, 22, tz="America/Sao_Paulo")

    assert filters.is_weekend(dt=sunday_night_in_sao_paulo)
    assert filters.is_month_end(dt=sunday_night_in_sao_paulo)
    assert filters.between_times(dt.time(21), dt.time(23))(sunday_night_in_sao_paulo)
    assert filters.on_datetime(dt.datetime(2021, 3, 1, 1))(sunday_night_in_sao_paulo)


def test_a_filter_of_your_own_gets_pendulum_datetimes_as_in_prefect():
    seen = []
    schedule = Schedule([CronClock("0 9 * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=SP))],
                        filters=[lambda when: seen.append(when) or when.day_of_year % 2 == 0])

    kept = schedule.next(2, after=dt.datetime(2021, 3, 1))

    assert all(isinstance(when, pendulum.DateTime) for when in seen)
    assert [when.to_date_string() for when in kept] == ["2021-03-01", "2021-03-03"]
