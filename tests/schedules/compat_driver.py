"""Print the next events of shared schedule definitions as JSON, under Prefect or caudal.

Run as ``python compat_driver.py prefect`` (with Prefect 0.15.9's Python) or
``python compat_driver.py caudal``; test_compat_with_prefect.py compares the two outputs.
Kept Python 3.9 compatible, since Prefect 0.15.9 runs there. Start dates are written the ways
users write them: stdlib, pytz, pendulum (2 under Prefect, 3 under caudal: the same calls give
the same moments) and dateutil rules for RRuleClock.
"""

import importlib
import json
import sys
from datetime import datetime, time, timedelta

import pendulum
import pytz
from dateutil import rrule

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
    cases = {
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
    cases.update(pendulum_cases(schedules, clocks))
    cases.update(keyword_cases(Schedule, clocks, filters, adjustments))
    cases.update(rrule_cases(Schedule, clocks))
    return cases


def pendulum_cases(schedules, clocks):
    """Start dates, end dates and `after` as Prefect's documentation writes them."""
    Schedule = schedules.Schedule
    berlin = pendulum.timezone("Europe/Berlin")
    return {
        "pendulum_interval_daily_new_york_spring": (schedules.IntervalSchedule(
            start_date=pendulum.datetime(2021, 3, 1, 9, tz="America/New_York"),
            interval=timedelta(days=1)), pendulum.datetime(2021, 3, 10)),
        "pendulum_interval_daily_new_york_autumn": (schedules.IntervalSchedule(
            start_date=pendulum.datetime(2021, 3, 1, 1, 30, tz="America/New_York"),
            interval=timedelta(days=1)), pendulum.datetime(2021, 11, 4)),
        "pendulum_interval_hourly_sao_paulo": (schedules.IntervalSchedule(
            start_date=pendulum.datetime(2018, 11, 3, 20, tz="America/Sao_Paulo"),
            interval=timedelta(hours=1)), pendulum.datetime(2018, 11, 3, 23, 30)),
        "pendulum_interval_weekly_berlin_tz_object": (Schedule([clocks.IntervalClock(
            timedelta(weeks=1), start_date=berlin.datetime(2021, 3, 1, 3),
            end_date=berlin.datetime(2021, 5, 1))]), pendulum.datetime(2021, 3, 1)),
        "pendulum_interval_duration": (schedules.IntervalSchedule(
            start_date=pendulum.datetime(2021, 3, 1, 9, tz="America/New_York"),
            interval=pendulum.duration(days=1)), pendulum.datetime(2021, 3, 12)),
        "pendulum_interval_ambiguous_start": (schedules.IntervalSchedule(
            start_date=pendulum.datetime(2021, 11, 7, 1, 30, tz="America/New_York"),
            interval=timedelta(days=1)), pendulum.datetime(2021, 11, 1)),
        "pendulum_cron_berlin_0230": (Schedule([clocks.CronClock(
            "30 2 * * *", start_date=pendulum.datetime(2021, 1, 1, tz="Europe/Berlin"),
            parameter_defaults={"mode": "full"}, labels=["de"])]),
            pendulum.datetime(2021, 3, 25)),
        "pendulum_cron_sao_paulo_midnight": (schedules.CronSchedule(
            "0 0 * * *", start_date=pendulum.datetime(2018, 1, 1, tz="America/Sao_Paulo"),
            end_date=pendulum.datetime(2018, 11, 8, tz="America/Sao_Paulo")),
            pendulum.datetime(2018, 11, 1)),
        "pendulum_cron_utc_default_zone": (schedules.CronSchedule(
            "15 6 * * 1-5", start_date=pendulum.datetime(2021, 1, 1)),
            pendulum.datetime(2021, 1, 1, tz="Asia/Tokyo")),
        "pendulum_dates_clock": (Schedule([clocks.DatesClock(
            [pendulum.datetime(2021, 1, 1, 9, tz="America/Sao_Paulo"),
             pendulum.datetime(2021, 1, 3, 9)], labels=["once"])]),
            pendulum.datetime(2020, 3, 26)),
        "pendulum_mixed_with_pytz_clock": (Schedule([
            clocks.CronClock("0 9 * * *", start_date=pendulum.datetime(
                2021, 1, 1, tz="America/New_York"), parameter_defaults={"a": 1}),
            clocks.CronClock("0 9 * * *", start_date=NEW_YORK.localize(datetime(2021, 1, 1)),
                             parameter_defaults={"a": 2}),
        ]), datetime(2021, 3, 12)),
    }


def keyword_cases(Schedule, clocks, filters, adjustments):
    """Every filter and adjustment called with Prefect's argument names."""
    hourly = clocks.IntervalClock(timedelta(hours=1), start_date=BERLIN.localize(
        datetime(2021, 3, 1)))
    return {
        "keyword_factories": (Schedule(
            [hourly],
            filters=[filters.between_dates(start_month=3, start_day=1, end_month=11,
                                           end_day=30),
                     filters.between_times(start=time(8), end=time(18)),
                     filters.between_datetimes(start=datetime(2021, 3, 1, tzinfo=pytz.utc),
                                               end=datetime(2021, 12, 1, tzinfo=pytz.utc))],
            or_filters=[filters.at_time(t=time(9)), filters.is_day_of_week(day_of_week=5)],
            not_filters=[filters.on_date(month=3, day=31),
                         filters.on_datetime(dt=datetime(2021, 3, 29, 6, tzinfo=pytz.utc))],
            adjustments=[adjustments.add(interval=timedelta(minutes=30))]),
            datetime(2021, 3, 26)),
        "keyword_predicates": (Schedule(
            [clocks.CronClock("0 8 * * *", start_date=NEW_YORK.localize(datetime(2021, 1, 1)))],
            or_filters=[lambda d: filters.is_month_start(dt=d),
                        lambda d: filters.is_month_end(dt=d),
                        lambda d: filters.is_weekend(dt=d) and filters.is_weekday(dt=d)],
            adjustments=[lambda d: adjustments.next_weekday(dt=d)]), datetime(2021, 4, 1)),
    }


def rrule_cases(Schedule, clocks):
    """RRuleClock over naive, pytz and pendulum rules, sets and strings; Prefect's own DST
    duplicates (sub-daily rules when clocks jump forward) are left out: see the README."""
    def clock(rule, **options):
        return Schedule([clocks.RRuleClock(rule, **options)])

    ny_start = NEW_YORK.localize(datetime(2021, 3, 1, 2, 30))
    holidays = rrule.rruleset()
    holidays.rrule(rrule.rrule(rrule.WEEKLY, byweekday=(rrule.MO, rrule.WE, rrule.FR),
                               dtstart=datetime(2021, 3, 1, 6)))
    holidays.exdate(datetime(2021, 4, 2, 6))
    holidays.rdate(datetime(2021, 4, 3, 12))
    return {
        "rrule_naive_daily": (clock(rrule.rrule(rrule.DAILY, dtstart=datetime(2021, 1, 1, 9)),
                                    parameter_defaults={"table": "iptu"}, labels=["etl"]),
                              datetime(2021, 3, 12)),
        "rrule_pytz_daily_0230_spring": (clock(rrule.rrule(rrule.DAILY, dtstart=ny_start)),
                                         datetime(2021, 3, 11)),
        "rrule_pendulum_daily_0130_autumn": (clock(rrule.rrule(
            rrule.DAILY, dtstart=pendulum.datetime(2021, 10, 1, 1, 30, tz="America/New_York"))),
            pendulum.datetime(2021, 11, 4, 12)),
        "rrule_pendulum_hourly_autumn": (clock(rrule.rrule(
            rrule.HOURLY, dtstart=pendulum.datetime(2021, 10, 1, tz="America/New_York"))),
            pendulum.datetime(2021, 11, 7, 3)),
        "rrule_pytz_ctor_daily": (clock(rrule.rrule(
            rrule.DAILY, dtstart=datetime(2021, 1, 1, 9, tzinfo=NEW_YORK))),
            pendulum.datetime(2021, 3, 12)),
        "rrule_sao_paulo_weekdays_after_in_tokyo": (clock(rrule.rrule(
            rrule.WEEKLY, byweekday=(rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR),
            byhour=(0, 12), byminute=30, dtstart=pendulum.datetime(2018, 10, 1,
                                                                  tz="America/Sao_Paulo"))),
            pendulum.datetime(2018, 11, 1, tz="Asia/Tokyo")),
        "rrule_last_friday_of_month": (clock(rrule.rrule(
            rrule.MONTHLY, byweekday=rrule.FR(-1), dtstart=BERLIN.localize(
                datetime(2021, 1, 1, 18)))), datetime(2021, 1, 1)),
        "rrule_month_end_naive": (clock(rrule.rrule(
            rrule.MONTHLY, bymonthday=-1, dtstart=datetime(2021, 1, 1, 23, 59))),
            datetime(2021, 1, 15)),
        "rrule_count": (clock(rrule.rrule(rrule.DAILY, count=4,
                                          dtstart=datetime(2021, 3, 10, 9))),
                        datetime(2021, 3, 11)),
        "rrule_until_aware": (clock(rrule.rrule(
            rrule.DAILY, dtstart=SP.localize(datetime(2021, 3, 1, 9)),
            until=SP.localize(datetime(2021, 3, 14, 9)))), datetime(2021, 3, 10)),
        "rrule_interval_every_third_day": (clock(rrule.rrule(
            rrule.DAILY, interval=3, dtstart=datetime(2021, 1, 1, 4))), datetime(2021, 6, 1)),
        "rrule_string": (clock(rrule.rrulestr(
            "DTSTART:20210101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,17")),
            datetime(2021, 3, 12)),
        "rrule_set_with_exdate_and_rdate": (clock(holidays), datetime(2021, 3, 29)),
        "rrule_with_other_clocks": (Schedule([
            clocks.RRuleClock(rrule.rrule(rrule.DAILY, byhour=(9, 18),
                                          dtstart=datetime(2021, 1, 1)),
                              parameter_defaults={"source": "rrule"}),
            clocks.CronClock("0 12 * * *", parameter_defaults={"source": "cron"}),
            clocks.IntervalClock(timedelta(hours=8), parameter_defaults={"source": "interval"}),
        ]), datetime(2021, 5, 5)),
    }


# Prefect hands DatesClock's dates back as given (stdlib here); caudal's are pendulum.
NOT_PENDULUM_IN_PREFECT = {"dates_clock"}


def pendulum_view(start_time):
    """What a user's flow reads through pendulum's methods on an event's start time."""
    return [start_time.in_tz("America/Sao_Paulo").isoformat(), start_time.to_date_string(),
            start_time.subtract(days=1).isoformat(), start_time.add(hours=36).isoformat()]


def filter_calls(lib):
    """Each filter and adjustment called directly, by position and by Prefect's names."""
    filters = importlib.import_module(lib + ".schedules.filters")
    adjustments = importlib.import_module(lib + ".schedules.adjustments")
    # Aware, since Prefect cannot compare a naive candidate with between_datetimes' bounds.
    days = [datetime(2021, 1, 1, 9, tzinfo=pytz.utc), datetime(2021, 1, 2, 23, tzinfo=pytz.utc),
            datetime(2021, 1, 31, 9, tzinfo=pytz.utc),
            BERLIN.localize(datetime(2021, 3, 28, 3, 30)),
            pendulum.datetime(2021, 2, 28, 22, tz="America/Sao_Paulo")]
    out = []
    for day in days:
        out.append([
            filters.is_weekday(day), filters.is_weekday(dt=day),
            filters.is_weekend(dt=day), filters.is_month_start(dt=day),
            filters.is_month_end(dt=day), filters.is_day_of_week(day_of_week=4)(day),
            filters.on_date(month=1, day=31)(day), filters.at_time(t=time(9))(day),
            filters.between_times(start=time(22), end=time(2))(day),
            filters.between_dates(start_month=12, start_day=1, end_month=1, end_day=31)(day),
            filters.on_datetime(dt=datetime(2021, 1, 1, 9, tzinfo=pytz.utc))(day),
            filters.between_datetimes(start=datetime(2021, 1, 1, tzinfo=pytz.utc),
                                      end=datetime(2021, 2, 1, tzinfo=pytz.utc))(day),
            adjustments.next_weekday(dt=day).isoformat(),
            adjustments.add(interval=timedelta(days=1))(day).isoformat(),
            type(adjustments.next_weekday(day)).__name__,
            type(adjustments.add(timedelta(hours=1))(day)).__name__,
        ])
    return out


def main(lib):
    out = {"events": {}, "pendulum": {}, "next": {}}
    for name, (schedule, after) in build_cases(lib).items():
        events = schedule.next(10, after=after, return_events=True)
        out["events"][name] = [[e.start_time.isoformat(), e.parameter_defaults, e.labels]
                               for e in events]
        # next() without events gives the same times.
        out["next"][name] = [t.isoformat() for t in schedule.next(10, after=after)]
        if name not in NOT_PENDULUM_IN_PREFECT and events:
            times = [e.start_time for e in events]
            out["pendulum"][name] = {
                "all_pendulum": all(isinstance(t, pendulum.DateTime) for t in times),
                "first": pendulum_view(times[0]),
            }
    out["filter_calls"] = filter_calls(lib)
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
