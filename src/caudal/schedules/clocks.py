"""caudal.schedules.clocks: Prefect 0.15's path; arrives with the schedules, storage and serialization issue."""

from caudal.utilities.placeholders import unavailable

IntervalClock = unavailable("IntervalClock", "the schedules, storage and serialization issue", __name__)
CronClock = unavailable("CronClock", "the schedules, storage and serialization issue", __name__)
DatesClock = unavailable("DatesClock", "the schedules, storage and serialization issue", __name__)
Clock = unavailable("Clock", "the schedules, storage and serialization issue", __name__)

__all__ = ["IntervalClock", "CronClock", "DatesClock", "Clock"]
