"""A schedule described as JSON comes back firing at exactly the same times."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from caudal import Flow
from caudal.schedules import CronSchedule, Schedule, adjustments, filters
from caudal.schedules.clocks import CronClock, DatesClock, IntervalClock

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
BERLIN = ZoneInfo("Europe/Berlin")


def _events(schedule: Schedule, after: dt.datetime) -> list[tuple[str, dict, list | None]]:
    return [(e.start_time.isoformat(), e.parameter_defaults, e.labels)
            for e in schedule.next(25, after=after, return_events=True)]


def _round_trip(schedule: Schedule) -> Schedule:
    return Schedule.from_serialized(json.loads(json.dumps(schedule.serialize())))


SCHEDULES = {
    "cron-across-dst": Schedule(clocks=[
        CronClock("0 3 * * *", start_date=dt.datetime(2018, 10, 1, tzinfo=SAO_PAULO),
                  parameter_defaults={"table": "iptu"}, labels=["prod"]),
    ]),
    "daily-interval-berlin": Schedule(clocks=[
        IntervalClock(dt.timedelta(days=1), start_date=dt.datetime(2021, 3, 20, 3, tzinfo=BERLIN),
                      end_date=dt.datetime(2021, 4, 30, tzinfo=BERLIN)),
    ]),
    "many-clocks": Schedule(clocks=[
        IntervalClock(dt.timedelta(hours=6), start_date=dt.datetime(2021, 1, 1, i % 6),
                      parameter_defaults={"table": f"t{i}"}, labels=[f"agency-{i % 3}"])
        for i in range(12)
    ]),
    "dates": Schedule(clocks=[DatesClock([dt.datetime(2021, 5, 1, 8), dt.datetime(2021, 6, 1, 8)],
                                         parameter_defaults={"full": True})]),
    "filters-and-adjustments": Schedule(
        clocks=[IntervalClock(dt.timedelta(hours=1), start_date=dt.datetime(2021, 1, 1))],
        filters=[filters.is_weekday, filters.between_times(dt.time(8), dt.time(18))],
        or_filters=[filters.at_time(dt.time(9)), filters.at_time(dt.time(17))],
        not_filters=[filters.on_date(1, 6)],
        adjustments=[adjustments.add(dt.timedelta(minutes=15)), adjustments.next_weekday],
    ),
    "cron-shorthand": CronSchedule("30 2 * * 1-5", start_date=dt.datetime(2021, 3, 1,
                                                                          tzinfo=BERLIN)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_described_schedule_fires_at_the_same_times_with_the_same_defaults(name):
    schedule = SCHEDULES[name]
    after = dt.datetime(2021, 1, 1, tzinfo=dt.UTC) if name != "cron-across-dst" else \
        dt.datetime(2018, 10, 20, tzinfo=dt.UTC)

    assert _events(_round_trip(schedule), after) == _events(schedule, after)


def test_a_filter_of_your_own_cannot_be_described_and_says_why():
    schedule = Schedule(clocks=[CronClock("0 9 * * *")], filters=[lambda when: True])

    with pytest.raises(ValueError, match="not one of caudal.schedules' own"):
        schedule.serialize()


def test_flow_description_carries_the_schedule_and_its_hash_follows_it():
    daily = Flow("daily", schedule=SCHEDULES["cron-across-dst"])
    hourly = Flow("daily", schedule=SCHEDULES["many-clocks"])

    data = json.loads(json.dumps(daily.serialize()))

    assert data["schedule"]["clocks"][0]["cron"] == "0 3 * * *"
    assert data["schedule"]["clocks"][0]["start_date"]["zone"] == "America/Sao_Paulo"
    assert daily.serialized_hash() != hourly.serialized_hash()
