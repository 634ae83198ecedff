"""Clocks: the sources of a schedule's times, each with its own parameter defaults and labels.

A clock yields ``ClockEvent`` objects in time order, whose ``start_time`` is a pendulum
DateTime as in Prefect 0.15; ``caudal.schedules.Schedule`` merges the clocks of a schedule and
filters and adjusts their events. Clocks compute on stdlib datetimes (``timezones``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from croniter import croniter

from caudal.schedules.timezones import (
    UTC,
    add_delta,
    as_aware,
    as_pendulum,
    at_wall_time,
    from_wall,
    instant,
    plain_delta,
)

if TYPE_CHECKING:
    from dateutil.rrule import rrulebase

__all__ = ["Clock", "ClockEvent", "CronClock", "DatesClock", "IntervalClock", "RRuleClock"]

ONE_DAY = dt.timedelta(days=1)
# Where an IntervalClock without a start date counts its intervals from (Prefect's choice).
DEFAULT_INTERVAL_START = dt.datetime(2019, 1, 1, tzinfo=UTC)
# How far before `after` an RRuleClock asks its rule for times: more than any DST jump.
RRULE_LOOKBACK = dt.timedelta(hours=3)


class ClockEvent:
    """One time a clock fires, with the parameter defaults and labels of its flow run.

    Args:
        - start_time (datetime): when the flow run should start
        - parameter_defaults (dict, optional): parameter values for that flow run
        - labels (List[str], optional): labels for that flow run

    Events order by ``start_time``; two events are equal when their time (the same instant),
    parameter defaults and labels are equal. An event also equals the datetime it fires at.
    """

    def __init__(self, start_time: dt.datetime, parameter_defaults: dict | None = None,
                 labels: list[str] | None = None) -> None:
        self.start_time = start_time
        self.parameter_defaults = parameter_defaults or {}
        self.labels = labels

    @property
    def start_time(self) -> dt.datetime:
        """When the flow run should start."""
        return self._start_time

    @start_time.setter
    def start_time(self, value: dt.datetime) -> None:
        if value is not getattr(self, "_start_time", None):
            self._instant: dt.datetime | None = None
        self._start_time = value

    def sort_key(self) -> dt.datetime:
        """The instant the event fires at: what events are ordered and hashed by."""
        if self._instant is None:  # merging and de-duplicating ask for it several times
            self._instant = instant(self._start_time)
        return self._instant

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dt.datetime):
            return self.sort_key() == instant(other)
        if not isinstance(other, ClockEvent):
            return False
        return (self.sort_key() == other.sort_key()
                and self.parameter_defaults == other.parameter_defaults
                and self.labels == other.labels)

    def __hash__(self) -> int:
        return hash(self.sort_key())

    def _other_key(self, other: object, op: str) -> dt.datetime:
        if isinstance(other, ClockEvent):
            return other.sort_key()
        if isinstance(other, dt.datetime):
            return instant(other)
        raise TypeError(f"'{op}' not supported between instances of 'ClockEvent' and "
                        f"'{type(other).__name__}'")

    def __lt__(self, other: object) -> bool:
        return self.sort_key() < self._other_key(other, "<")

    def __gt__(self, other: object) -> bool:
        return self.sort_key() > self._other_key(other, ">")

    def __repr__(self) -> str:
        return f"<{self.start_time.isoformat()},{self.labels},{self.parameter_defaults}>"


class Clock:
    """Base of all clocks: an optional start and end date, parameter defaults and labels.

    Args:
        - start_date (datetime, optional): the clock fires at or after this date; its time
            zone is the clock's zone. Naive means UTC; pytz and pendulum zones keep their name
        - end_date (datetime, optional): the clock does not fire after this date
        - parameter_defaults (dict, optional): parameter values for every flow run this clock
            starts
        - labels (List[str], optional): labels for every flow run this clock starts

    ``start_date`` and ``end_date`` read back as pendulum DateTimes, as in Prefect.
    """

    def __init__(self, start_date: dt.datetime | None = None,
                 end_date: dt.datetime | None = None,
                 parameter_defaults: dict | None = None,
                 labels: list[str] | None = None) -> None:
        self.start_date = start_date
        self.end_date = end_date
        self.parameter_defaults = parameter_defaults or {}
        self.labels = labels

    # The clocks compute with the stdlib datetimes in _start and _end; users see pendulum.
    @property
    def start_date(self) -> dt.datetime | None:
        """The clock's start date, a pendulum DateTime (or None)."""
        return as_pendulum(self._start) if self._start is not None else None

    @start_date.setter
    def start_date(self, value: dt.datetime | None) -> None:
        self._start = as_aware(value) if value is not None else None

    @property
    def end_date(self) -> dt.datetime | None:
        """The clock's end date, a pendulum DateTime (or None)."""
        return as_pendulum(self._end) if self._end is not None else None

    @end_date.setter
    def end_date(self, value: dt.datetime | None) -> None:
        self._end = as_aware(value) if value is not None else None

    def events(self, after: dt.datetime | None = None) -> Iterable[ClockEvent]:
        """The clock's events strictly after ``after`` (default: now), in time order."""
        raise NotImplementedError("Clock subclasses must implement events().")

    def _event(self, start_time: dt.datetime) -> ClockEvent:
        event = ClockEvent(as_pendulum(start_time), parameter_defaults=self.parameter_defaults,
                           labels=self.labels)
        event._instant = instant(start_time)  # cheaper from the stdlib datetime
        return event

    def _is_past_end(self, start_time: dt.datetime) -> bool:
        return self._end is not None and instant(start_time) > instant(self._end)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(start_date={self._start!r}, "
                f"end_date={self._end!r}, labels={self.labels!r})")


def _after_or_now(after: dt.datetime | None) -> dt.datetime:
    return instant(after) if after is not None else dt.datetime.now(UTC)


class IntervalClock(Clock):
    """A clock that fires every ``interval``, counted from ``start_date``.

    An interval of a day or more keeps the local wall time of ``start_date`` across DST
    changes (a daily clock at 03:00 stays at 03:00). A shorter interval is a fixed elapsed
    duration: an hourly clock fires every 60 minutes even across a DST change. (Prefect 0.15.9
    documents this too, but in fact adds the whole days of wall time once a short clock is a
    day past its start, so its clock jumps at DST changes; caudal does what is documented.)

    Args:
        - interval (timedelta): the time between two events; more than zero (a pendulum
            Duration is a timedelta too)
        - start_date (datetime, optional): the first event; default 2019-01-01 00:00 UTC
        - end_date (datetime, optional): no events after this date
        - parameter_defaults (dict, optional): parameter values for this clock's flow runs
        - labels (List[str], optional): labels for this clock's flow runs

    Raises:
        - TypeError: if ``interval`` is not a timedelta
        - ValueError: if ``interval`` is zero or negative

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> clock = IntervalClock(dt.timedelta(days=1),
        ...                       start_date=dt.datetime(2021, 3, 26, 3, tzinfo=ZoneInfo("Europe/Berlin")))
        >>> from itertools import islice
        >>> [e.start_time.isoformat() for e in islice(clock.events(after=clock.start_date), 2)]
        ['2021-03-27T03:00:00+01:00', '2021-03-28T03:00:00+02:00']
    """

    def __init__(self, interval: dt.timedelta, start_date: dt.datetime | None = None,
                 end_date: dt.datetime | None = None, parameter_defaults: dict | None = None,
                 labels: list[str] | None = None) -> None:
        if not isinstance(interval, dt.timedelta):
            raise TypeError(f"IntervalClock's interval must be a timedelta, not "
                            f"'{type(interval).__name__}'.")
        if interval.total_seconds() <= 0:
            raise ValueError(f"IntervalClock's interval must be more than zero, not "
                             f"'{interval}'.")
        self.interval = plain_delta(interval)
        super().__init__(start_date=start_date, end_date=end_date,
                         parameter_defaults=parameter_defaults, labels=labels)

    def _nth(self, start: dt.datetime, n: int) -> dt.datetime:
        if self.interval < ONE_DAY:
            return (instant(start) + self.interval * n).astimezone(start.tzinfo)
        return add_delta(start, self.interval * n)

    def events(self, after: dt.datetime | None = None) -> Iterator[ClockEvent]:
        """The clock's events strictly after ``after`` (default: now), in time order."""
        start = self._start or DEFAULT_INTERVAL_START
        after_utc = _after_or_now(after)
        elapsed = after_utc - instant(start)
        # Jump close to `after`; wall-clock days differ from elapsed ones by at most the DST
        # shift, so start one interval early and step forward.
        n = 0 if elapsed < dt.timedelta(0) else max(elapsed // self.interval - 1, 0)
        while True:
            start_time = self._nth(start, n)
            n += 1
            if instant(start_time) <= after_utc:
                continue
            if self._is_past_end(start_time):
                return
            yield self._event(start_time)


class CronClock(Clock):
    """A clock that fires at the times a cron string names, in the start date's time zone.

    Cron times are wall-clock times: a clock at 09:00 stays at 09:00 across DST. A wall time
    that does not exist that day (clocks jump forward) fires an hour later, and a wall time that
    happens twice (clocks fall back) fires once, at its second occurrence.

    Args:
        - cron (str): a cron string such as ``"0 9 * * 1-5"``
        - start_date (datetime, optional): no events before this date; its zone is the
            clock's zone (UTC when there is no start date)
        - end_date (datetime, optional): no events after this date
        - parameter_defaults (dict, optional): parameter values for this clock's flow runs
        - labels (List[str], optional): labels for this clock's flow runs
        - day_or (bool, optional): True (the default, as cron) fires when the day of the
            month OR the day of the week matches; False when both match

    Raises:
        - ValueError: if the cron string is invalid

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> clock = CronClock("30 2 * * *", start_date=dt.datetime(2021, 1, 1, tzinfo=ZoneInfo("Europe/Berlin")))
        >>> from itertools import islice
        >>> [e.start_time.isoformat() for e in islice(clock.events(after=dt.datetime(2021, 3, 27)), 2)]
        ['2021-03-27T02:30:00+01:00', '2021-03-28T03:30:00+02:00']
    """

    def __init__(self, cron: str, start_date: dt.datetime | None = None,
                 end_date: dt.datetime | None = None, parameter_defaults: dict | None = None,
                 labels: list[str] | None = None, day_or: bool | None = None) -> None:
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            raise ValueError(f"Invalid cron string: '{cron}'.")
        self.cron = cron
        self.day_or = True if day_or is None else day_or
        super().__init__(start_date=start_date, end_date=end_date,
                         parameter_defaults=parameter_defaults, labels=labels)

    def events(self, after: dt.datetime | None = None) -> Iterator[ClockEvent]:
        """The clock's events strictly after ``after`` (default: now), in time order."""
        tz = self._start.tzinfo if self._start is not None else UTC
        after_utc = _after_or_now(after)
        if self._start is not None:
            after_utc = max(after_utc, instant(self._start) - dt.timedelta(seconds=1))
        # croniter walks naive wall times; from_wall turns each into a moment in the zone.
        wall = after_utc.astimezone(tz).replace(tzinfo=None)
        times = croniter(self.cron, wall, day_or=self.day_or)
        last = after_utc
        while True:
            start_time = from_wall(times.get_next(dt.datetime), tz)
            # Several wall times map to one moment inside a DST jump: fire once.
            if instant(start_time) <= last:
                continue
            if self._is_past_end(start_time):
                return
            last = instant(start_time)
            yield self._event(start_time)


class DatesClock(Clock):
    """A clock that fires on a fixed list of dates.

    Args:
        - dates (List[datetime]): the dates; naive means UTC
        - parameter_defaults (dict, optional): parameter values for this clock's flow runs
        - labels (List[str], optional): labels for this clock's flow runs

    Example:
        >>> import datetime as dt
        >>> clock = DatesClock([dt.datetime(2030, 1, 2), dt.datetime(2030, 1, 1)], labels=["gpu"])
        >>> [(e.start_time.isoformat(), e.labels) for e in clock.events(after=dt.datetime(2029, 1, 1))]
        [('2030-01-01T00:00:00+00:00', ['gpu']), ('2030-01-02T00:00:00+00:00', ['gpu'])]
    """

    def __init__(self, dates: list[dt.datetime], parameter_defaults: dict | None = None,
                 labels: list[str] | None = None) -> None:
        if not dates:
            raise ValueError("DatesClock needs at least one date.")
        self.dates = sorted((as_aware(d) for d in dates), key=instant)
        super().__init__(start_date=self.dates[0], end_date=self.dates[-1],
                         parameter_defaults=parameter_defaults, labels=labels)

    def events(self, after: dt.datetime | None = None) -> Iterator[ClockEvent]:
        """The clock's events strictly after ``after`` (default: now), in time order."""
        after_utc = _after_or_now(after)
        for date in self.dates:
            if instant(date) > after_utc:
                yield self._event(date)



class RRuleClock(Clock):
    """A clock that fires at the times of an iCalendar recurrence rule (python-dateutil's).

    The rule's times are wall times in the zone of its ``dtstart`` (naive means UTC), read by
    the cron rules: a time that does not exist that day (clocks jump forward) fires later by
    the jump, a time that happens twice (clocks fall back) fires once, at its second
    occurrence, and times that land on one moment fire once. See
    https://dateutil.readthedocs.io/en/stable/rrule.html for the rules you can write.

    Args:
        - rrule_obj (rrulebase): a ``dateutil.rrule.rrule`` or ``rruleset``
        - start_date (datetime, optional): no events before this date
        - end_date (datetime, optional): no events after this date
        - parameter_defaults (dict, optional): parameter values for this clock's flow runs
        - labels (List[str], optional): labels for this clock's flow runs

    Raises:
        - TypeError: if ``rrule_obj`` is not an ``rrule`` or ``rruleset``

    Example:
        >>> import datetime as dt
        >>> from dateutil import rrule
        >>> from zoneinfo import ZoneInfo
        >>> last_friday = rrule.rrule(rrule.MONTHLY, byweekday=rrule.FR(-1),
        ...                           dtstart=dt.datetime(2021, 1, 1, 18, tzinfo=ZoneInfo("Europe/Berlin")))
        >>> from itertools import islice
        >>> [e.start_time.isoformat() for e in islice(RRuleClock(last_friday).events(after=dt.datetime(2021, 3, 1)), 2)]
        ['2021-03-26T18:00:00+01:00', '2021-04-30T18:00:00+02:00']
    """

    def __init__(self, rrule_obj: rrulebase, start_date: dt.datetime | None = None,
                 end_date: dt.datetime | None = None, parameter_defaults: dict | None = None,
                 labels: list[str] | None = None) -> None:
        from caudal.schedules.rrules import normalize_rule

        self.rrule_obj = rrule_obj
        # The rule again with stdlib zones, so its end and excluded dates compare as the
        # moments caudal reads them (a pytz zone's fixed offset would be an hour off half the
        # year), on this machine as on the server. It raises the TypeError for non-rules.
        self._rule = normalize_rule(rrule_obj)
        super().__init__(start_date=start_date, end_date=end_date,
                         parameter_defaults=parameter_defaults, labels=labels)

    def events(self, after: dt.datetime | None = None) -> Iterator[ClockEvent]:
        """The clock's events strictly after ``after`` (default: now), in time order."""
        first = next(iter(self._rule), None)
        if first is None:
            return
        after_utc = _after_or_now(after)
        # The rule finds its times by its own reading of them, which is later than caudal's
        # by at most a DST jump (a wall time inside the jump); ask it from further back.
        since = after_utc - RRULE_LOOKBACK
        if self._start is not None:
            since = max(since, instant(self._start) - RRULE_LOOKBACK)
        if first.tzinfo is None:
            since = since.replace(tzinfo=None)  # a naive rule's wall times are UTC
        last = after_utc
        for occurrence in self._rule.xafter(since, inc=True):
            start_time = at_wall_time(occurrence)
            # Several wall times map to one moment inside a DST jump: fire once.
            if instant(start_time) <= last:
                continue
            if self._start is not None and instant(start_time) < instant(self._start):
                continue
            if self._is_past_end(start_time):
                return
            last = instant(start_time)
            yield self._event(start_time)
