"""Adjustments: functions that move a schedule's datetime after it passed the filters.

Each adjustment has the signature ``Callable[[datetime], datetime]``; these give pendulum
DateTimes, as Prefect 0.15's did. Arguments keep Prefect's names (``next_weekday(dt=...)``).

Example:
    >>> import datetime as dt
    >>> next_weekday(dt.datetime(2021, 1, 2, 9)).isoformat()
    '2021-01-04T09:00:00+00:00'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from caudal.schedules.descriptions import described
from caudal.schedules.filters import is_weekday
from caudal.schedules.timezones import add_days, add_delta, as_aware, as_pendulum

__all__ = ["add", "next_weekday"]


@described
def add(interval: timedelta) -> Callable[[datetime], datetime]:
    """Move the datetime later by ``interval``: its whole days on the calendar (keeping the
    wall time across DST), the rest as elapsed time. Naive datetimes are read as UTC.

    Example:
        >>> import datetime as dt
        >>> add(dt.timedelta(hours=2))(dt.datetime(2021, 1, 1, 22)).isoformat()
        '2021-01-02T00:00:00+00:00'
    """

    def _add(when: datetime) -> datetime:
        return as_pendulum(add_delta(when, interval))

    return _add


def next_weekday(dt: datetime) -> datetime:
    """Move a Saturday or Sunday to the next Monday, at the same wall time; leave a weekday.
    Naive datetimes are read as UTC."""
    when = as_aware(dt)
    while not is_weekday(when):
        when = add_days(when, 1)
    return as_pendulum(when)
