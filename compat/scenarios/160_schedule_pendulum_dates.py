"""A daily flow scheduled from a pendulum start date; its backfill task reads the schedule's
dates through pendulum's methods (in_tz, subtract, to_date_string), as Prefect's docs do."""
from datetime import timedelta

import pendulum

from prefect import Flow, task
from prefect.schedules import IntervalSchedule

schedule = IntervalSchedule(start_date=pendulum.datetime(2021, 3, 1, 9, tz="America/New_York"),
                            interval=timedelta(days=1))


@task
def backfill_days(after):
    days = schedule.next(4, after=pendulum.parse(after))
    return [[d.isoformat(), d.in_tz("America/Sao_Paulo").isoformat(),
             d.subtract(days=1).to_date_string(), type(d).__name__] for d in days]


@task
def window(after):
    event = schedule.next(1, after=pendulum.parse(after), return_events=True)[0]
    start = event.start_time
    return [start.subtract(hours=36).isoformat(), start.add(days=2).isoformat(),
            schedule.start_date.isoformat()]


with Flow("pendulum-schedule", schedule=schedule) as flow:
    backfill_days("2021-03-12T00:00:00+00:00")
    window("2021-11-06T12:00:00+00:00")

RUN_KWARGS = {"run_on_schedule": False}
