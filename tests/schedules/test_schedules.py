"""Schedule: merging many clocks, filters, adjustments, and the shorthands."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from caudal.schedules import CronSchedule, IntervalSchedule, Schedule, adjustments, filters
from caudal.schedules.clocks import ClockEvent, CronClock, IntervalClock

SP = ZoneInfo("America/Sao_Paulo")


def forty_table_clocks() -> list[CronClock]:
    return [CronClock(f"{i} 2 * * *", start_date=dt.datetime(2021, 1, 1 + i % 28, tzinfo=SP),
                      parameter_defaults={"table": f"t{i:02d}"}, labels=[f"agency-{i % 4}"])
            for i in range(40)]


def test_forty_clocks_merge_in_time_order_with_their_own_parameters():
    schedule = Schedule(clocks=forty_table_clocks())

    events = schedule.next(40, after=dt.datetime(2021, 3, 1), return_events=True)

    assert [e.start_time for e in events] == sorted(e.start_time for e in events)
    assert {e.parameter_defaults["table"] for e in events} == {f"t{i:02d}" for i in range(40)}
    first = events[0]
    assert (first.start_time.isoformat(), first.parameter_defaults, first.labels) == (
        "2021-03-01T02:00:00-03:00", {"table": "t00"}, ["agency-0"])


def test_staggered_start_dates_hold_back_late_clocks():
    schedule = Schedule(clocks=forty_table_clocks())

    events = schedule.next(4, after=dt.datetime(2020, 12, 1), return_events=True)

    assert [e.parameter_defaults["table"] for e in events] == ["t00", "t28", "t00", "t01"]


def test_equal_times_from_clocks_with_different_parameters_all_fire_in_clock_order():
    schedule = Schedule(clocks=[CronClock("0 0 * * *", parameter_defaults={"a": 1}),
                                IntervalClock(dt.timedelta(days=1), parameter_defaults={"a": 2}),
                                CronClock("0 0 * * *", parameter_defaults={"a": 1})])

    events = schedule.next(4, after=dt.datetime(2021, 1, 1, 12), return_events=True)

    assert [(e.start_time.day, e.parameter_defaults["a"]) for e in events] == [
        (2, 1), (2, 2), (3, 1), (3, 2)]


def test_next_returns_datetimes_unless_events_are_asked_for():
    schedule = IntervalSchedule(interval=dt.timedelta(hours=1))
    after = dt.datetime(2021, 1, 1)

    assert schedule.next(1, after=after) == [dt.datetime(2021, 1, 1, 1, tzinfo=dt.UTC)]
    assert isinstance(schedule.next(1, after=after, return_events=True)[0], ClockEvent)


def test_next_without_after_starts_from_now():
    before = dt.datetime.now(dt.UTC)

    assert CronSchedule("* * * * *").next(1)[0] > before


def test_next_stops_after_checking_ten_thousand_events():
    schedule = Schedule(clocks=[IntervalClock(dt.timedelta(minutes=1))],
                        filters=[filters.on_date(2, 30)])

    assert schedule.next(1, after=dt.datetime(2021, 1, 1)) == []


def test_filters_or_filters_and_not_filters_combine():
    schedule = Schedule(
        clocks=[IntervalClock(dt.timedelta(hours=1))],
        filters=[filters.is_weekday],
        or_filters=[filters.at_time(dt.time(9)), filters.at_time(dt.time(17))],
        not_filters=[filters.on_date(1, 4)],
    )

    got = schedule.next(3, after=dt.datetime(2021, 1, 1, 10))

    assert [t.isoformat() for t in got] == [
        "2021-01-01T17:00:00+00:00", "2021-01-05T09:00:00+00:00", "2021-01-05T17:00:00+00:00"]


def test_adjustments_apply_in_order_after_filters():
    schedule = Schedule(clocks=[CronClock("0 9 * * 6")],
                        adjustments=[adjustments.next_weekday, adjustments.add(dt.timedelta(hours=1))])

    assert schedule.next(1, after=dt.datetime(2021, 1, 1))[0].isoformat() == (
        "2021-01-04T10:00:00+00:00")


def test_start_and_end_date_span_the_clocks():
    schedule = Schedule(clocks=[CronClock("* * * * *", start_date=dt.datetime(2021, 2, 1)),
                                CronClock("* * * * *", start_date=dt.datetime(2021, 1, 1),
                                          end_date=dt.datetime(2021, 3, 1))])

    assert (schedule.start_date.month, schedule.end_date.month) == (1, 3)


def test_schedule_with_a_single_clock_not_in_a_list_raises_type_error():
    with pytest.raises(TypeError, match="list of clocks"):
        Schedule(clocks=CronClock("* * * * *"))


def test_interval_schedule_keeps_prefects_argument_order():
    schedule = IntervalSchedule(dt.datetime(2021, 1, 1), dt.timedelta(days=2))

    assert schedule.next(1, after=dt.datetime(2021, 1, 1))[0].day == 3


def test_cron_schedule_with_day_or_false_needs_both_day_fields():
    schedule = CronSchedule("0 0 1-7 * 5", day_or=False)

    got = schedule.next(2, after=dt.datetime(2020, 12, 31))

    assert [(t.month, t.day) for t in got] == [(1, 1), (2, 5)]
