"""An RRuleClock schedule (python-dateutil recurrence rules) with its own parameter defaults and
labels next to a cron clock; a task lists the next runs."""
from datetime import datetime

import pendulum
from dateutil import rrule

from prefect import Flow, Parameter, task
from prefect.schedules import Schedule
from prefect.schedules.clocks import CronClock, RRuleClock

last_friday = rrule.rrule(rrule.MONTHLY, byweekday=rrule.FR(-1),
                          dtstart=pendulum.datetime(2021, 1, 1, 18, tz="Europe/Berlin"))
holidays = rrule.rruleset()
holidays.rrule(rrule.rrule(rrule.WEEKLY, byweekday=(rrule.MO, rrule.FR), byhour=6,
                           dtstart=datetime(2021, 3, 1)))
holidays.exdate(datetime(2021, 4, 2, 6))
holidays.rdate(datetime(2021, 4, 3, 12))

schedule = Schedule(clocks=[
    RRuleClock(last_friday, parameter_defaults={"report": "monthly"}, labels=["de"]),
    RRuleClock(holidays, parameter_defaults={"report": "twice-weekly"}),
    CronClock("0 12 1 * *", parameter_defaults={"report": "first-day"}),
])


@task
def upcoming(after):
    events = schedule.next(8, after=pendulum.parse(after), return_events=True)
    return sorted([e.start_time.isoformat(), e.parameter_defaults, e.labels] for e in events)


with Flow("rrule-schedule", schedule=schedule) as flow:
    report = Parameter("report", default="manual")
    upcoming("2021-03-25T00:00:00+00:00")

RUN_KWARGS = {"run_on_schedule": False}
