"""Schedules: clocks that fire, merged, filtered and adjusted (Prefect 0.15's paths).

This package imports nothing from the rest of caudal, so the server computes fire times
without the engine. Start dates may be stdlib, pytz or pendulum datetimes; the times a
schedule gives are pendulum DateTimes, as in Prefect (pendulum loads when the first is made).

Example:
    >>> import datetime as dt
    >>> from caudal.schedules import Schedule
    >>> from caudal.schedules.clocks import CronClock
    >>> schedule = Schedule(clocks=[
    ...     CronClock("0 3 * * *", parameter_defaults={"table": "iptu"}),
    ...     CronClock("0 3 * * *", parameter_defaults={"table": "itbi"}, labels=["big"]),
    ... ])
    >>> for event in schedule.next(2, after=dt.datetime(2021, 1, 1), return_events=True):
    ...     print(event.start_time.isoformat(), event.parameter_defaults, event.labels)
    2021-01-01T03:00:00+00:00 {'table': 'iptu'} None
    2021-01-01T03:00:00+00:00 {'table': 'itbi'} ['big']
"""

from caudal.schedules import adjustments, clocks, filters
from caudal.schedules.schedules import CronSchedule, IntervalSchedule, RRuleSchedule, Schedule

__all__ = ["CronSchedule", "IntervalSchedule", "RRuleSchedule", "Schedule", "adjustments",
           "clocks", "filters"]
