"""Filters: functions of a candidate datetime that say whether a schedule keeps it.

Each filter has the signature ``Callable[[datetime], bool]``; the ``on_…``, ``at_…``,
``between_…`` and ``is_day_of_week`` helpers build one. Dates and times are read in the
candidate's own time zone (the clock's zone). Arguments keep Prefect 0.15's names, so
``is_weekday(dt=...)`` and ``on_date(month=1, day=1)`` work too.

Example:
    >>> import datetime as dt
    >>> keep = between_times(dt.time(22), dt.time(2))
    >>> keep(dt.datetime(2021, 1, 1, 23)), keep(dt.datetime(2021, 1, 1, 12))
    (True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from caudal.schedules.descriptions import described
from caudal.schedules.timezones import add_days, as_aware, instant

__all__ = ["at_time", "between_dates", "between_datetimes", "between_times", "is_day_of_week",
           "is_month_end", "is_month_start", "is_weekday", "is_weekend", "on_date",
           "on_datetime"]

Filter = Callable[[datetime], bool]


@described
def on_datetime(dt: datetime) -> Filter:
    """Keep only the event at exactly this moment (naive means UTC)."""
    target = instant(dt)

    def _on_datetime(when: datetime) -> bool:
        return instant(when) == target

    return _on_datetime


@described
def between_datetimes(start: datetime, end: datetime) -> Filter:
    """Keep events from ``start`` to ``end``, both included (naive means UTC)."""
    low, high = instant(start), instant(end)

    def _between_datetimes(when: datetime) -> bool:
        return low <= instant(when) <= high

    return _between_datetimes


@described
def on_date(month: int, day: int) -> Filter:
    """Keep events on this month and day, in any year."""

    def _on_date(when: datetime) -> bool:
        return (when.month, when.day) == (month, day)

    return _on_date


@described
def between_dates(start_month: int, start_day: int, end_month: int, end_day: int) -> Filter:
    """Keep events between two days of the year, both included; the range may wrap the new
    year: ``between_dates(10, 15, 3, 31)`` keeps October 15 to March 31.

    Example:
        >>> import datetime as dt
        >>> between_dates(10, 15, 3, 31)(dt.datetime(2021, 1, 10))
        True
    """
    low, high = (start_month, start_day), (end_month, end_day)

    def _between_dates(when: datetime) -> bool:
        day = (when.month, when.day)
        if low <= high:
            return low <= day <= high
        return day >= low or day <= high

    return _between_dates


@described
def at_time(t: time) -> Filter:
    """Keep events at exactly this wall time of day."""

    def _at_time(when: datetime) -> bool:
        return when.time() == t

    return _at_time


@described
def between_times(start: time, end: time) -> Filter:
    """Keep events between two wall times of day, both included; the range may wrap midnight."""

    def _between_times(when: datetime) -> bool:
        now = when.time()
        if start <= end:
            return start <= now <= end
        return now >= start or now <= end

    return _between_times


def is_weekday(dt: datetime) -> bool:
    """Keep events from Monday to Friday."""
    return dt.weekday() < 5


def is_weekend(dt: datetime) -> bool:
    """Keep events on Saturday and Sunday."""
    return dt.weekday() > 4


def is_month_end(dt: datetime) -> bool:
    """Keep events on the last day of their month."""
    return add_days(as_aware(dt), 1).month != dt.month


def is_month_start(dt: datetime) -> bool:
    """Keep events on the first day of their month."""
    return dt.day == 1


@described
def is_day_of_week(day_of_week: int) -> Filter:
    """Keep events on one day of the week: 0 is Monday, 6 is Sunday."""

    def _is_day_of_week(when: datetime) -> bool:
        return when.weekday() == day_of_week

    return _is_day_of_week
