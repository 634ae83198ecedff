"""RRuleClock: iCalendar recurrence rules (python-dateutil) as a schedule's clock."""

from __future__ import annotations

import datetime as dt
import json
from itertools import islice
from zoneinfo import ZoneInfo

import pendulum
import pytest
from dateutil import rrule, tz

from caudal import Flow
from caudal.schedules import Schedule
from caudal.schedules.clocks import CronClock, RRuleClock

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def times(clock: RRuleClock, after: dt.datetime, n: int = 5) -> list[str]:
    return [e.start_time.isoformat() for e in islice(clock.events(after=after), n)]


def round_trip(schedule: Schedule) -> Schedule:
    return Schedule.from_serialized(json.loads(json.dumps(schedule.serialize())))


def test_weekday_mornings_with_parameters_and_labels():
    weekdays = rrule.rrule(rrule.WEEKLY, byweekday=(rrule.MO, rrule.WE, rrule.FR), byhour=6,
                           dtstart=dt.datetime(2021, 1, 1))
    schedule = Schedule([RRuleClock(weekdays, parameter_defaults={"table": "iptu"},
                                    labels=["etl"])])

    events = schedule.next(3, after=dt.datetime(2021, 3, 12), return_events=True)

    assert [e.start_time.isoformat() for e in events] == [
        "2021-03-12T06:00:00+00:00", "2021-03-15T06:00:00+00:00", "2021-03-17T06:00:00+00:00"]
    assert all(e.parameter_defaults == {"table": "iptu"} and e.labels == ["etl"] for e in events)
    assert all(isinstance(e.start_time, pendulum.DateTime) for e in events)


def test_naive_rule_is_utc_and_after_in_another_zone_is_the_same_moment():
    clock = RRuleClock(rrule.rrule(rrule.HOURLY, dtstart=dt.datetime(2021, 1, 1)))

    # 12:00 in New York is 17:00 UTC. Prefect 0.15.9 reads the wall time 12:00 as UTC here.
    assert times(clock, dt.datetime(2021, 1, 5, 12, tzinfo=NEW_YORK), 2) == [
        "2021-01-05T18:00:00+00:00", "2021-01-05T19:00:00+00:00"]


def test_zoned_rule_keeps_wall_time_across_dst_and_moves_a_missing_time_forward():
    clock = RRuleClock(rrule.rrule(rrule.DAILY, dtstart=pendulum.datetime(
        2021, 3, 1, 2, 30, tz="America/New_York")))

    assert times(clock, dt.datetime(2021, 3, 13), 3) == [
        "2021-03-13T02:30:00-05:00", "2021-03-14T03:30:00-04:00", "2021-03-15T02:30:00-04:00"]


def test_repeated_time_fires_once_at_its_second_occurrence():
    pytz = pytest.importorskip("pytz")
    start = pytz.timezone("America/New_York").localize(dt.datetime(2021, 10, 1, 1, 30))
    clock = RRuleClock(rrule.rrule(rrule.DAILY, dtstart=start))

    assert times(clock, dt.datetime(2021, 11, 6, 12), 2) == [
        "2021-11-07T01:30:00-05:00", "2021-11-08T01:30:00-05:00"]


def test_hourly_rule_fires_each_moment_once_when_clocks_jump_forward():
    # Prefect 0.15.9 gives 01:00, 03:00, 03:00, 04:00 here (and with 30 minutes, goes back).
    clock = RRuleClock(rrule.rrule(rrule.MINUTELY, interval=30, dtstart=dt.datetime(
        2021, 3, 1, tzinfo=NEW_YORK)))

    assert times(clock, dt.datetime(2021, 3, 14, 6), 5) == [
        "2021-03-14T01:30:00-05:00", "2021-03-14T03:00:00-04:00", "2021-03-14T03:30:00-04:00",
        "2021-03-14T04:00:00-04:00", "2021-03-14T04:30:00-04:00"]


def test_start_and_end_date_bound_the_rule():
    # Prefect 0.15.9 documents both and raises TypeError with either.
    clock = RRuleClock(rrule.rrule(rrule.HOURLY, dtstart=dt.datetime(2021, 1, 1, tzinfo=NEW_YORK)),
                       start_date=dt.datetime(2021, 2, 1, 12), end_date=dt.datetime(2021, 2, 1, 15))

    assert times(clock, dt.datetime(2021, 1, 1), 10) == [
        "2021-02-01T07:00:00-05:00", "2021-02-01T08:00:00-05:00", "2021-02-01T09:00:00-05:00",
        "2021-02-01T10:00:00-05:00"]
    assert clock.start_date.isoformat() == "2021-02-01T12:00:00+00:00"


def test_rule_with_a_count_or_until_runs_out():
    counted = RRuleClock(rrule.rrule(rrule.DAILY, count=3, dtstart=dt.datetime(2021, 3, 1, 9)))
    until = RRuleClock(rrule.rrule(rrule.DAILY, dtstart=dt.datetime(2021, 3, 1, 9, tzinfo=BERLIN),
                                   until=dt.datetime(2021, 3, 3, 9, tzinfo=BERLIN)))

    assert times(counted, dt.datetime(2021, 1, 1), 10) == [
        "2021-03-01T09:00:00+00:00", "2021-03-02T09:00:00+00:00", "2021-03-03T09:00:00+00:00"]
    assert len(times(until, dt.datetime(2021, 1, 1), 10)) == 3
    assert Schedule([counted]).next(1, after=dt.datetime(2021, 3, 3, 9)) == []


def test_rruleset_adds_and_excludes_dates():
    rules = rrule.rruleset()
    rules.rrule(rrule.rrule(rrule.MONTHLY, byweekday=rrule.FR(-1), dtstart=pendulum.datetime(
        2021, 1, 1, 18, tz="Europe/Berlin")))
    rules.exdate(pendulum.datetime(2021, 4, 30, 18, tz="Europe/Berlin"))
    rules.rdate(pendulum.datetime(2021, 5, 3, 9, tz="Europe/Berlin"))

    assert times(RRuleClock(rules), dt.datetime(2021, 3, 1), 4) == [
        "2021-03-26T18:00:00+01:00", "2021-05-03T09:00:00+02:00", "2021-05-28T18:00:00+02:00",
        "2021-06-25T18:00:00+02:00"]


def test_rule_from_an_icalendar_string():
    rule = rrule.rrulestr("DTSTART:20210101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,17")

    assert times(RRuleClock(rule), dt.datetime(2021, 3, 12), 3) == [
        "2021-03-12T09:00:00+00:00", "2021-03-12T17:00:00+00:00", "2021-03-15T09:00:00+00:00"]


def test_rule_merges_with_other_clocks_in_time_order():
    schedule = Schedule([
        RRuleClock(rrule.rrule(rrule.DAILY, byhour=(9, 18), dtstart=dt.datetime(2021, 1, 1)),
                   parameter_defaults={"source": "rrule"}),
        CronClock("0 12 * * *", parameter_defaults={"source": "cron"}),
    ])

    events = schedule.next(3, after=dt.datetime(2021, 5, 5), return_events=True)

    assert [(e.start_time.hour, e.parameter_defaults["source"]) for e in events] == [
        (9, "rrule"), (12, "cron"), (18, "rrule")]


@pytest.mark.parametrize("not_a_rule", ["FREQ=DAILY", None, CronClock("0 9 * * *")])
def test_rrule_clock_without_a_rule_raises_type_error(not_a_rule):
    with pytest.raises(TypeError, match="rrule or rruleset"):
        RRuleClock(not_a_rule)


def _rules() -> dict[str, object]:
    pytz = pytest.importorskip("pytz")
    sao_paulo = pytz.timezone("America/Sao_Paulo")
    holidays = rrule.rruleset()
    holidays.rrule(rrule.rrule(rrule.WEEKLY, byweekday=(rrule.MO, rrule.FR), byhour=(6, 18),
                               byminute=15, dtstart=sao_paulo.localize(dt.datetime(2018, 1, 1))))
    holidays.exrule(rrule.rrule(rrule.YEARLY, bymonth=12, bymonthday=range(20, 32),
                                dtstart=sao_paulo.localize(dt.datetime(2018, 1, 1, 6, 15))))
    holidays.exdate(sao_paulo.localize(dt.datetime(2018, 11, 2, 6, 15)))
    holidays.rdate(sao_paulo.localize(dt.datetime(2018, 11, 4, 0, 30)))  # inside the DST jump
    return {
        "pytz-daily-dst": rrule.rrule(rrule.DAILY, dtstart=sao_paulo.localize(
            dt.datetime(2018, 10, 1, 0, 30))),
        "pendulum-last-friday-until": rrule.rrule(
            rrule.MONTHLY, byweekday=rrule.FR(-1), dtstart=pendulum.datetime(
                2018, 1, 1, 18, tz="Europe/Berlin"),
            until=pendulum.datetime(2019, 6, 1, tz="Europe/Berlin")),
        "naive-count-setpos": rrule.rrule(rrule.MONTHLY, byweekday=(rrule.MO, rrule.TU),
                                          bysetpos=-1, count=12, dtstart=dt.datetime(2018, 1, 1)),
        "fixed-offset-every-5-hours": rrule.rrule(rrule.HOURLY, interval=5, dtstart=pendulum.parse(
            "2018-10-01T00:00:00-03:00")),
        "set-with-exrule-exdate-rdate": holidays,
    }


@pytest.mark.parametrize("name", ["pytz-daily-dst", "pendulum-last-friday-until",
                                  "naive-count-setpos", "fixed-offset-every-5-hours",
                                  "set-with-exrule-exdate-rdate"])
def test_described_rrule_clock_fires_at_the_same_times(name):
    schedule = Schedule([RRuleClock(_rules()[name], start_date=dt.datetime(2018, 10, 2),
                                    end_date=dt.datetime(2019, 12, 31), labels=["r"],
                                    parameter_defaults={"rule": name})])
    after = dt.datetime(2018, 10, 20, tzinfo=dt.UTC)

    expected = [(e.start_time.isoformat(), e.parameter_defaults, e.labels)
                for e in schedule.next(30, after=after, return_events=True)]
    got = [(e.start_time.isoformat(), e.parameter_defaults, e.labels)
           for e in round_trip(schedule).next(30, after=after, return_events=True)]

    assert expected and got == expected


def test_flow_with_an_rrule_schedule_serializes_and_hashes_stably():
    def build() -> Flow:
        rule = rrule.rrule(rrule.DAILY, byhour=3, dtstart=dt.datetime(2021, 1, 1, tzinfo=BERLIN))
        return Flow("nightly", schedule=Schedule([RRuleClock(rule)]))

    data = json.loads(json.dumps(build().serialize()))

    assert data["schedule"]["clocks"][0]["type"] == "RRuleClock"
    assert build().serialized_hash() == build().serialized_hash()


def test_rule_in_a_dateutil_zone_runs_here_but_cannot_be_sent_to_the_server():
    rule = rrule.rrule(rrule.DAILY, dtstart=dt.datetime(2021, 1, 1, 9,
                                                        tzinfo=tz.gettz("America/New_York")))
    schedule = Schedule([RRuleClock(rule)])

    assert [t.isoformat() for t in schedule.next(2, after=dt.datetime(2021, 3, 13))] == [
        "2021-03-13T09:00:00-05:00", "2021-03-14T09:00:00-04:00"]
    with pytest.raises(ValueError, match="ZoneInfo"):
        schedule.serialize()
