"""caudal.schedules.schedules: Prefect 0.15's path; arrives with the schedules, storage and serialization issue."""

from caudal.utilities.placeholders import unavailable

Schedule = unavailable("Schedule", "the schedules, storage and serialization issue", __name__)
IntervalSchedule = unavailable("IntervalSchedule", "the schedules, storage and serialization issue", __name__)
CronSchedule = unavailable("CronSchedule", "the schedules, storage and serialization issue", __name__)

__all__ = ["Schedule", "IntervalSchedule", "CronSchedule"]
