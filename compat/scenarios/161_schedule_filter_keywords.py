"""Schedule filters and adjustments called with Prefect's argument names, in a task that lists
the next business-day runs."""
from datetime import datetime, time, timedelta

import pendulum
import pytz

from prefect import Flow, task
from prefect.schedules import Schedule, adjustments, filters
from prefect.schedules.clocks import CronClock, IntervalClock

BERLIN = pytz.timezone("Europe/Berlin")


@task
def business_hours():
    schedule = Schedule(
        clocks=[IntervalClock(timedelta(hours=1), start_date=BERLIN.localize(datetime(2021, 3, 1)))],
        filters=[filters.between_times(start=time(8), end=time(18)),
                 lambda d: filters.is_weekday(dt=d)],
        or_filters=[filters.at_time(t=time(9)), filters.is_day_of_week(day_of_week=4)],
        not_filters=[filters.on_date(month=3, day=31)],
        adjustments=[adjustments.add(interval=timedelta(minutes=15))])
    return [d.isoformat() for d in schedule.next(6, after=pendulum.datetime(2021, 3, 25))]


@task
def month_edges():
    schedule = Schedule(
        clocks=[CronClock("0 7 * * *", start_date=pendulum.datetime(2021, 1, 1,
                                                                 tz="America/Sao_Paulo"))],
        or_filters=[lambda d: filters.is_month_start(dt=d), lambda d: filters.is_month_end(dt=d)],
        adjustments=[lambda d: adjustments.next_weekday(dt=d)])
    return [d.isoformat() for d in schedule.next(6, after=pendulum.datetime(2021, 1, 15))]


@task
def checks():
    day = pendulum.datetime(2021, 2, 28, 22, tz="America/Sao_Paulo")
    return [filters.is_weekend(dt=day), filters.is_month_end(dt=day),
            filters.between_dates(start_month=12, start_day=1, end_month=2, end_day=28)(day),
            filters.on_datetime(dt=pendulum.datetime(2021, 3, 1, 1))(day),
            filters.between_datetimes(start=pendulum.datetime(2021, 2, 1),
                                      end=pendulum.datetime(2021, 3, 1, 1))(day)]


with Flow("schedule-filter-keywords") as flow:
    business_hours()
    month_edges()
    checks()
