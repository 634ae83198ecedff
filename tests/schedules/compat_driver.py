"""Print the next events of shared schedule definitions as JSON, under Prefect or caudal.

Run as ``python compat_driver.py prefect`` (with Prefect 0.15.9's Python) or
``python compat_driver.py caudal``; test_compat_with_prefect.py compares the two outputs.
Kept Python 3.9 compatible, since Prefect 0.15.9 runs there.
"""

import importlib
import json
import sys
from datetime import datetime, time, timedelta

import pytz

SP = pytz.timezone("America/Sao_Paulo")
BERLIN = pytz.timezone("Europe/Berlin")
NEW_YORK = pytz.timezone("America/New_York")


def build_cases(lib):
    schedules = importlib.import_module(lib + ".schedules")
    clocks = importlib.import_module(lib + ".schedules.clocks")
    filters = importlib.import_module(lib + ".schedules.filters")
    adjustments = importlib.import_module(lib + ".schedules.adjustments")
    Schedule = schedules.Schedule

    many = [
        clocks.CronClock(
            f"{i * 7 % 60} {i % 24} * * *",
            start_date=datetime(2018, 10, 1 + i % 20, tzinfo=SP),
            parameter_defaults={"table": f"t{i:02d}", "mode": "append"},
            labels=[f"agency-{i % 4}"],
        )
        for i in range(40)
    ]
    return {
        "sp_interval_daily_pytz_ctor": (Schedule([clocks.IntervalClock(
            timedelta(days=1), start_date=datetime(2018, 1, 1, 0, 30, tzinfo=SP))]),
            datetime(2018, 10, 30)),
        "sp_interval_daily_pytz_ctor_autumn": (Schedule([clocks.IntervalClock(
            timedelta(days=1), start_date=datetime(2018, 1, 1, 23, 30, tzinfo=SP))]),
            datetime(2019, 2, 12)),
        "sp_cron_midnight_pytz_ctor": (Schedule([clocks.CronClock(
            "0 0 * * *", start_date=datetime(2018, 1, 1, tzinfo=SP))]), datetime(2018, 11, 1)),
        "sp_cron_every_20_min_repeated_hour": (Schedule([clocks.CronClock(
            "*/20 * * * *", start_date=datetime(2018, 1, 1, tzinfo=SP))]),
            datetime(2019, 2, 17, 0, 30)),
        "sp_cron_every_20_min_missing_hour": (Schedule([clocks.CronClock(
            "*/20 * * * *", start_date=datetime(2018, 1, 1, tzinfo=SP))]),
            datetime(2018, 11, 4, 1, 0)),
        "sp_cron_23h": (Schedule([clocks.CronClock(
            "0 23 * * *", start_date=SP.localize(datetime(2018, 1, 1)))]),
            datetime(2019, 2, 13)),
        "berlin_cron_0230_spring": (Schedule([clocks.CronClock(
            "30 2 * * *", start_date=BERLIN.localize(datetime(2021, 1, 1)))]),
            datetime(2021, 3, 24)),
        "berlin_cron_0230_autumn": (Schedule([clocks.CronClock(
            "30 2 * * *", start_date=BERLIN.localize(datetime(2021, 1, 1)))]),
            datetime(2021, 10, 27)),
        "berlin_cron_hourly_autumn": (Schedule([clocks.CronClock(
            "0 * * * *", start_date=datetime(2021, 1, 1, tzinfo=BERLIN))]),
            datetime(2021, 10, 30, 21, 30)),
        "berlin_interval_daily_0230": (Schedule([clocks.IntervalClock(
            timedelta(days=1), start_date=BERLIN.localize(datetime(2021, 1, 1, 2, 30)))]),
            datetime(2021, 3, 24)),
        "berlin_interval_daily_0230_autumn": (Schedule([clocks.IntervalClock(
            timedelta(days=1), start_date=BERLIN.localize(datetime(2021, 1, 1, 2, 30)))]),
            datetime(2021, 10, 27)),
        "berlin_interval_day_and_8h": (Schedule([clocks.IntervalClock(
            timedelta(days=1, hours=8), start_date=BERLIN.localize(datetime(2021, 3, 20, 20)))]),
            datetime(2021, 3, 20)),
        "new_york_cron_0200": (Schedule([clocks.CronClock(
            "0 2 * * *", start_date=NEW_YORK.localize(datetime(2021, 1, 1)))]),
            datetime(2021, 3, 10)),
        "new_york_cron_0130_autumn": (Schedule([clocks.CronClock(
            "30 1 * * *", start_date=datetime(2021, 1, 1, tzinfo=NEW_YORK))]),
            datetime(2021, 11, 4)),
        "new_york_interval_weekly": (Schedule([clocks.IntervalClock(
            timedelta(weeks=1), start_date=NEW_YORK.localize(datetime(2021, 1, 4, 9)))]),
            datetime(2021, 2, 20)),
        "naive_start_is_utc": (Schedule([clocks.CronClock(
            "0 3 * * *", start_date=datetime(2021, 1, 1))]), datetime(2021, 1, 1)),
        "naive_interval_start_is_utc": (Schedule([clocks.IntervalClock(
            timedelta(hours=6), start_date=datetime(2021, 1, 1, 1))]), datetime(2021, 1, 3, 2)),
        "no_start_interval": (schedules.IntervalSchedule(interval=timedelta(minutes=45)),
                              datetime(2021, 6, 1, 12, 10)),
        "cron_schedule_end_date": (schedules.CronSchedule(
            "15 4 * * 1-5", start_date=datetime(2021, 5, 1, tzinfo=SP),
            end_date=datetime(2021, 5, 12, tzinfo=SP)), datetime(2021, 4, 1)),
        "cron_day_and": (schedules.CronSchedule("0 0 1-7 * 5", day_or=False),
                         datetime(2021, 1, 1)),
        "dates_clock": (Schedule([clocks.DatesClock(
            [SP.localize(datetime(2021, 2, 3, 4)), datetime(2021, 1, 1, tzinfo=pytz.utc)],
            parameter_defaults={"x": 1}, labels=["once"])]),
            datetime(2020, 1, 1, tzinfo=pytz.utc)),
        "forty_clocks_staggered": (Schedule(many), datetime(2018, 10, 15)),
        "equal_times_from_many_clocks": (Schedule([
            clocks.IntervalClock(timedelta(hours=12), parameter_defaults={"a": 1}),
            clocks.CronClock("0 0 * * *", parameter_defaults={"a": 2}, labels=["x"]),
        ]), datetime(2021, 1, 1, 0, 30)),
        "filters_and_adjustments": (Schedule(
            [clocks.IntervalClock(timedelta(hours=1), start_date=BERLIN.localize(
                datetime(2021, 3, 26)))],
            filters=[filters.is_weekday, filters.between_dates(3, 1, 11, 30)],
            or_filters=[filters.at_time(time(9)), filters.at_time(time(17))],
            not_filters=[filters.on_date(3, 31)],
            adjustments=[adjustments.add(timedelta(minutes=30))]), datetime(2021, 3, 29)),
        "next_weekday_adjustment": (Schedule(
            [clocks.CronClock("0 8 1 * *", start_date=NEW_YORK.localize(datetime(2021, 1, 1)))],
            adjustments=[adjustments.next_weekday]), datetime(2021, 4, 1)),
        "month_end_filter": (Schedule(
            [clocks.CronClock("0 23 * * *", start_date=SP.localize(datetime(2021, 1, 1)))],
            filters=[filters.is_month_end]), datetime(2021, 1, 15)),
    }


def main(lib):
    out = {}
    for name, (schedule, after) in build_cases(lib).items():
        events = schedule.next(10, after=after, return_events=True)
        out[name] = [[e.start_time.isoformat(), e.parameter_defaults, e.labels]
                     for e in events]
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
