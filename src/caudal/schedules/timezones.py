"""Time-zone arithmetic shared by clocks, filters and adjustments, on stdlib ``zoneinfo``.

Prefect 0.15 did this with pendulum; these functions reproduce its reading of datetimes
(naive means UTC; pytz and pendulum zones keep their names) and its wall-clock rules on stdlib
datetimes. ``as_pendulum`` turns a result into the pendulum DateTime users get, as in Prefect.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from pendulum import DateTime

__all__ = ["add_days", "add_delta", "as_aware", "as_pendulum", "at_wall_time", "from_wall",
           "instant", "plain_delta", "zone_of"]

UTC = dt.UTC


def _zone_name(tz: dt.tzinfo) -> str | None:
    """The IANA name behind a zoneinfo subclass (pendulum's), pytz or pendulum zone, if any."""
    for attribute in ("key", "zone", "name"):
        name = getattr(tz, attribute, None)
        if isinstance(name, str):
            return name
    return None


def zone_of(tz: dt.tzinfo | None) -> dt.tzinfo:
    """The stdlib zone caudal computes in for a datetime's ``tzinfo``.

    None is UTC; a pytz or pendulum zone becomes the ``ZoneInfo`` of its name (pytz's and
    pendulum's fixed ``UTC`` the stdlib's UTC); a fixed offset without a name (pendulum's ``FixedTimezone``, pytz's
    ``FixedOffset``) a ``datetime.timezone``. A zone with neither (dateutil's ``tzfile``) is
    returned as it is: its own rules apply.

    Example:
        >>> import pendulum
        >>> zone_of(pendulum.timezone("America/Sao_Paulo"))
        zoneinfo.ZoneInfo(key='America/Sao_Paulo')
    """
    if tz is None:
        return UTC
    if type(tz) is ZoneInfo or isinstance(tz, dt.timezone):
        return tz
    if isinstance(tz, ZoneInfo) and tz.key is not None:  # pendulum's Timezone
        return ZoneInfo(tz.key)
    name = _zone_name(tz)
    if name is not None:
        if name.upper() == "UTC":
            return UTC
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a name such as pendulum's "-03:00": a fixed offset, read below
    try:
        offset = tz.utcoffset(None)  # only a fixed offset answers without a datetime
    except Exception:  # some zones (dateutil's tzlocal) cannot answer at all
        offset = None
    return dt.timezone(offset) if offset is not None else tz


def _stdlib(value: dt.datetime) -> dt.datetime:
    """The same fields on a stdlib datetime: pendulum's DateTime overrides the arithmetic."""
    if type(value) is dt.datetime:
        return value
    return dt.datetime(value.year, value.month, value.day, value.hour, value.minute,
                       value.second, value.microsecond, tzinfo=value.tzinfo, fold=value.fold)


def as_aware(value: dt.datetime) -> dt.datetime:
    """Read a datetime as Prefect 0.15 does: naive is UTC, pytz and pendulum zones by name.

    The result is a stdlib datetime in a stdlib zone (see ``zone_of``). A pendulum DateTime or
    a ``pytz.localize()``d datetime names a real instant, which is kept. A pytz zone passed
    straight to the ``datetime`` constructor carries the zone's old local-mean-time offset
    (``-03:06`` for ``America/Sao_Paulo``); like Prefect, caudal keeps the wall time and the
    zone's name and drops that offset.

    Example:
        >>> import datetime as dt
        >>> as_aware(dt.datetime(2021, 1, 1, 3)).isoformat()
        '2021-01-01T03:00:00+00:00'
    """
    if not isinstance(value, dt.datetime):
        raise TypeError(f"Expected a datetime, got '{type(value).__name__}'.")
    value = _stdlib(value)
    tz = value.tzinfo
    zone = zone_of(tz)
    if zone is tz:
        return value
    if tz is None:
        return value.replace(tzinfo=UTC)
    if isinstance(zone, dt.timezone) or isinstance(tz, ZoneInfo):
        # UTC, a fixed offset, or pendulum's Timezone (a ZoneInfo, whose offset follows the
        # wall time and fold): the offset is right, so the instant is kept.
        return value.astimezone(zone)
    wall = value.replace(tzinfo=None)
    # A pytz.localize()d datetime names a real instant: keep it. A pytz zone straight from
    # the constructor (LMT offset) does not: keep its wall time instead.
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


def at_wall_time(value: dt.datetime) -> dt.datetime:
    """The moment ``value``'s wall time names in its zone, by ``from_wall``'s rules.

    What Prefect 0.15 made of a recurrence rule's times: naive is UTC, and a pytz or pendulum
    zone is read by name whatever offset the datetime carries. A zone without a name
    (dateutil's) keeps the datetime's own offset.
    """
    value = _stdlib(value)
    zone = zone_of(value.tzinfo)
    if zone is value.tzinfo and not isinstance(zone, ZoneInfo | dt.timezone):
        return value
    return from_wall(value.replace(tzinfo=None), zone)


def add_days(value: dt.datetime, days: int) -> dt.datetime:
    """Move ``days`` calendar days in the datetime's own zone, keeping its wall time."""
    tz = value.tzinfo or UTC
    return from_wall(value.replace(tzinfo=None) + dt.timedelta(days=days), tz)


def plain_delta(delta: dt.timedelta) -> dt.timedelta:
    """A stdlib timedelta of the same length (pendulum's Duration overrides the arithmetic)."""
    return delta if type(delta) is dt.timedelta else dt.timedelta.__add__(dt.timedelta(), delta)


def add_delta(value: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """Add a timedelta as Prefect 0.15 did: its seconds as elapsed time, then its days on the
    calendar (so ``timedelta(days=1)`` keeps 03:00 at 03:00 across a DST change)."""
    value = as_aware(value)
    delta = plain_delta(delta)
    seconds = delta - dt.timedelta(days=delta.days)
    moved = (instant(value) + seconds).astimezone(value.tzinfo)
    return add_days(moved, delta.days) if delta.days else moved


def as_pendulum(value: dt.datetime) -> DateTime:
    """The same moment as a pendulum DateTime in the same zone, as Prefect 0.15 gave them.

    Naive is UTC. A zone with a name becomes pendulum's zone of that name, so ``in_tz``,
    ``add`` and ``subtract`` follow its DST rules; a fixed offset, or a zone without a name
    (dateutil's), becomes a fixed offset, as in Prefect.

    Example:
        >>> import datetime as dt
        >>> when = as_pendulum(dt.datetime(2021, 3, 1, 9))
        >>> when.to_date_string(), when.in_tz("America/Sao_Paulo").hour
        ('2021-03-01', 6)
    """
    # Imported here: `import caudal.schedules` must not load pendulum; computing times does.
    import pendulum

    if isinstance(value, pendulum.DateTime):
        return value
    value = as_aware(value)
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo) and tz.key is not None:
        zone = _pendulum_zone(tz.key)
    else:
        zone = _pendulum_zone(int(value.utcoffset().total_seconds()))
    return pendulum.DateTime(value.year, value.month, value.day, value.hour, value.minute,
                             value.second, value.microsecond, tzinfo=zone, fold=value.fold)


@functools.lru_cache(maxsize=64)
def _pendulum_zone(key: str | int) -> dt.tzinfo:
    """pendulum's zone for an IANA name or a fixed offset in seconds; kept, as pendulum does
    not keep its zones and would read the zone's file again for every datetime."""
    import pendulum

    if key == 0:
        # What Prefect gave for naive and UTC times (pendulum 2's UTC); it reads back as UTC.
        return pendulum.FixedTimezone(0, name="UTC")
    if isinstance(key, int):
        return pendulum.fixed_timezone(key)
    return pendulum.timezone(key)
