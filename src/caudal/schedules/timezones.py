"""Time-zone arithmetic shared by clocks, filters and adjustments, on stdlib ``zoneinfo``.

Prefect 0.15 did this with pendulum; these functions reproduce its reading of datetimes
(naive means UTC; a pytz zone keeps its name) and its wall-clock rules without it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["add_days", "add_delta", "as_aware", "from_wall", "instant"]

UTC = dt.UTC


def _zone_name(tz: dt.tzinfo) -> str | None:
    """The IANA name behind a pytz or pendulum zone, if it has one."""
    name = getattr(tz, "zone", None) or getattr(tz, "name", None)
    return name if isinstance(name, str) else None


def as_aware(value: dt.datetime) -> dt.datetime:
    """Read a datetime as Prefect 0.15 does: naive is UTC, pytz and pendulum zones by name.

    A pytz zone passed straight to the ``datetime`` constructor carries the zone's old
    local-mean-time offset (``-03:06`` for ``America/Sao_Paulo``); like Prefect, caudal keeps
    the wall time and the zone's name and drops that offset.

    Example:
        >>> import datetime as dt
        >>> as_aware(dt.datetime(2021, 1, 1, 3)).isoformat()
        '2021-01-01T03:00:00+00:00'
    """
    if not isinstance(value, dt.datetime):
        raise TypeError(f"Expected a datetime, got '{type(value).__name__}'.")
    tz = value.tzinfo
    if tz is None:
        return value.replace(tzinfo=UTC)
    if isinstance(tz, ZoneInfo | dt.timezone):
        return value
    name = _zone_name(tz)
    if name is None:
        return value
    if name.upper() == "UTC":
        return value.astimezone(UTC)
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return value
    wall = value.replace(tzinfo=None)
    # A pytz.localize()d or pendulum datetime names a real instant: keep it. A pytz zone
    # straight from the constructor (LMT offset) does not: keep its wall time instead.
    same_instant = value.astimezone(zone)
    if same_instant.replace(tzinfo=None) == wall:
        return same_instant
    return from_wall(wall, zone)


def instant(value: dt.datetime) -> dt.datetime:
    """The same moment in UTC: compare and subtract these, never wall times in one zone."""
    return as_aware(value).astimezone(UTC)


def from_wall(wall: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The moment a naive local wall time names in ``tz``, by the cron rules of Prefect 0.15.

    A wall time that does not exist (clocks jump forward) moves forward by the jump, so 02:30
    becomes 03:30; a wall time that happens twice (clocks fall back) is its later occurrence.
    """
    earlier = wall.replace(tzinfo=tz, fold=0)
    later = wall.replace(tzinfo=tz, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier.astimezone(UTC).astimezone(tz)
    back = earlier.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) == wall:  # repeated: take the second one
        return later.astimezone(UTC).astimezone(tz)
    return back  # missing: read with the offset before the jump, which lands after it


def add_days(value: dt.datetime, days: int) -> dt.datetime:
    """Move ``days`` calendar days in the datetime's own zone, keeping its wall time."""
    tz = value.tzinfo or UTC
    return from_wall(value.replace(tzinfo=None) + dt.timedelta(days=days), tz)


def add_delta(value: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """Add a timedelta as Prefect 0.15 did: its seconds as elapsed time, then its days on the
    calendar (so ``timedelta(days=1)`` keeps 03:00 at 03:00 across a DST change)."""
    value = as_aware(value)
    seconds = delta - dt.timedelta(days=delta.days)
    moved = (instant(value) + seconds).astimezone(value.tzinfo)
    return add_days(moved, delta.days) if delta.days else moved
