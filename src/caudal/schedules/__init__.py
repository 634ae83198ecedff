"""Schedules with clocks (Prefect 0.15 paths); the behaviour arrives with the schedules, storage and serialization issue."""

from caudal.schedules.clocks import CronClock, DatesClock, IntervalClock
from caudal.schedules.schedules import CronSchedule, IntervalSchedule, Schedule

__all__ = ["CronClock", "CronSchedule", "DatesClock", "IntervalClock", "IntervalSchedule",
           "Schedule"]
