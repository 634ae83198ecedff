"""Schedule: merges the events of its clocks in time order, then filters and adjusts them."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal, overload

from caudal.schedules.clocks import Clock, ClockEvent, CronClock, IntervalClock, RRuleClock
from caudal.schedules.timezones import instant

__all__ = ["CronSchedule", "IntervalSchedule", "RRuleSchedule", "Schedule"]

Filter = Callable[[dt.datetime], bool]
Adjustment = Callable[[dt.datetime], dt.datetime]

# next() gives up after this many clock events, however few passed the filters.
MAX_EVENTS_CHECKED = 10_000


class Schedule:
    """The times a flow runs: events from one or more clocks, filtered, then adjusted.

    Filters apply in this order: every one of ``filters`` must pass, at least one of
    ``or_filters`` must pass (when there are any), and none of ``not_filters`` may pass. The
    events that pass go through ``adjustments`` in order.

    Args:
        - clocks (List[Clock]): the clocks whose events this schedule merges
        - filters (List[Callable[[datetime], bool]], optional): all must pass
        - or_filters (List[Callable[[datetime], bool]], optional): one must pass
        - not_filters (List[Callable[[datetime], bool]], optional): none may pass
        - adjustments (List[Callable[[datetime], datetime]], optional): applied in order

    Raises:
        - TypeError: if ``clocks`` is not a list of clocks

    Example:
        >>> import datetime as dt
        >>> from caudal.schedules import Schedule, clocks, filters
        >>> schedule = Schedule(
        ...     clocks=[clocks.IntervalClock(dt.timedelta(hours=1))],
        ...     filters=[filters.is_weekday],
        ...     or_filters=[filters.at_time(dt.time(9)), filters.at_time(dt.time(17))],
        ... )
        >>> [t.isoformat() for t in schedule.next(3, after=dt.datetime(2021, 1, 1))]
        ['2021-01-01T09:00:00+00:00', '2021-01-01T17:00:00+00:00', '2021-01-04T09:00:00+00:00']
    """

    def __init__(self, clocks: list[Clock], filters: list[Filter] | None = None,
                 or_filters: list[Filter] | None = None,
                 not_filters: list[Filter] | None = None,
                 adjustments: list[Adjustment] | None = None) -> None:
        if not isinstance(clocks, Iterable) or isinstance(clocks, str | Clock):
            raise TypeError("Schedule's clocks should be a list of clocks, not "
                            f"'{type(clocks).__name__}'.")
        self.clocks = list(clocks)
        self.filters = list(filters or [])
        self.or_filters = list(or_filters or [])
        self.not_filters = list(not_filters or [])
        self.adjustments = list(adjustments or [])

    def serialize(self) -> dict[str, Any]:
        """A JSON-safe description; ``Schedule.from_serialized`` gives it back."""
        from caudal.schedules.descriptions import schedule_to_dict

        return schedule_to_dict(self)

    @staticmethod
    def from_serialized(data: dict[str, Any]) -> Schedule:
        """The schedule ``serialize()`` described; it fires at the same times."""
        from caudal.schedules.descriptions import schedule_from_dict

        return schedule_from_dict(data)

    @property
    def start_date(self) -> dt.datetime | None:
        """The earliest start date of the clocks (a pendulum DateTime), or None."""
        dates = [c.start_date for c in self.clocks if c.start_date is not None]
        return min(dates, key=instant) if dates else None

    @property
    def end_date(self) -> dt.datetime | None:
        """The latest end date of the clocks (a pendulum DateTime), or None."""
        dates = [c.end_date for c in self.clocks if c.end_date is not None]
        return max(dates, key=instant) if dates else None

    @overload
    def next(self, n: int, after: dt.datetime | None = ...,
             return_events: Literal[False] = ...) -> list[dt.datetime]: ...

    @overload
    def next(self, n: int, after: dt.datetime | None = ...,
             *, return_events: Literal[True]) -> list[ClockEvent]: ...

    def next(self, n: int, after: dt.datetime | None = None,
             return_events: bool = False) -> list[dt.datetime] | list[ClockEvent]:
        """The next ``n`` times of the schedule, strictly after ``after`` (default: now).

        Stops after checking 10,000 clock events, so a schedule whose filters reject almost
        everything returns fewer than ``n``.

        Args:
            - n (int): how many times to return
            - after (datetime, optional): every time returned is after this one; naive is UTC
            - return_events (bool, optional): return ``ClockEvent`` objects (with each clock's
                parameter defaults and labels) instead of datetimes

        Returns:
            - List[datetime] or List[ClockEvent], in time order: pendulum DateTimes, as in
                Prefect (an adjustment of your own may return another kind of datetime)
        """
        found: list = []
        if n <= 0:
            return found
        for checked, event in enumerate(self._clock_events(after), start=1):
            if self._passes_filters(event.start_time):
                event.start_time = self._adjust(event.start_time)
                found.append(event if return_events else event.start_time)
            if len(found) == n or checked >= MAX_EVENTS_CHECKED:
                break
        return found

    def _clock_events(self, after: dt.datetime | None) -> Iterator[ClockEvent]:
        """The clocks' events merged in time order, each distinct event once.

        At equal times the earlier clock in ``clocks`` comes first (heapq.merge is stable).
        An event is dropped only when another at the same moment has the same parameter
        defaults and labels; two clocks with different parameters at one time both fire.
        """
        merged = heapq.merge(*(c.events(after=after) for c in self.clocks), key=ClockEvent.sort_key)
        same_moment: list[ClockEvent] = []
        for event in merged:
            if same_moment and event.sort_key() != same_moment[0].sort_key():
                same_moment = []
            if event in same_moment:
                continue
            same_moment.append(event)
            yield event

    def _passes_filters(self, when: dt.datetime) -> bool:
        return (all(f(when) for f in self.filters)
                and (not self.or_filters or any(f(when) for f in self.or_filters))
                and not any(f(when) for f in self.not_filters))

    def _adjust(self, when: dt.datetime) -> dt.datetime:
        for adjust in self.adjustments:
            when = adjust(when)
        return when

    def __repr__(self) -> str:
        return f"Schedule(clocks={self.clocks!r})"


def IntervalSchedule(start_date: dt.datetime | None = None,
                     interval: dt.timedelta | None = None,
                     end_date: dt.datetime | None = None) -> Schedule:
    """A schedule with one ``IntervalClock`` (Prefect 0.15's shorthand; same argument order).

    Args:
        - start_date (datetime, optional): the first event; default 2019-01-01 00:00 UTC
        - interval (timedelta): the time between two events
        - end_date (datetime, optional): no events after this date

    Raises:
        - TypeError: if ``interval`` is missing or not a timedelta

    Example:
        >>> import datetime as dt
        >>> import pendulum
        >>> schedule = IntervalSchedule(
        ...     start_date=pendulum.datetime(2021, 3, 1, 9, tz="America/New_York"),
        ...     interval=dt.timedelta(days=1))
        >>> [t.isoformat() for t in schedule.next(2, after=pendulum.datetime(2021, 3, 13))]
        ['2021-03-13T09:00:00-05:00', '2021-03-14T09:00:00-04:00']
        >>> schedule.next(1, after=pendulum.datetime(2021, 3, 13))[0].subtract(days=1).to_date_string()
        '2021-03-12'
    """
    if interval is None:
        raise TypeError("IntervalSchedule needs an interval, e.g. interval=timedelta(hours=1).")
    return Schedule(clocks=[IntervalClock(interval=interval, start_date=start_date,
                                          end_date=end_date)])


def CronSchedule(cron: str, start_date: dt.datetime | None = None,
                 end_date: dt.datetime | None = None, day_or: bool | None = None) -> Schedule:
    """A schedule with one ``CronClock`` (Prefect 0.15's shorthand).

    Args:
        - cron (str): a cron string
        - start_date (datetime, optional): no events before this date; its zone is the zone
        - end_date (datetime, optional): no events after this date
        - day_or (bool, optional): day of month OR day of week (default), or AND

    Raises:
        - ValueError: if the cron string is invalid

    Example:
        >>> import datetime as dt
        >>> schedule = CronSchedule("0 6 * * 1-5")
        >>> [t.isoformat() for t in schedule.next(2, after=dt.datetime(2021, 1, 1, 7))]
        ['2021-01-04T06:00:00+00:00', '2021-01-05T06:00:00+00:00']
    """
    return Schedule(clocks=[CronClock(cron=cron, start_date=start_date, end_date=end_date,
                                      day_or=day_or)])


def RRuleSchedule(rrule_obj: Any, start_date: dt.datetime | None = None,
                  end_date: dt.datetime | None = None) -> Schedule:
    """A schedule with one ``RRuleClock``: an iCal-style recurrence rule (python-dateutil's
    ``rrule`` or ``rruleset``), as Prefect 0.15's shorthand.

    Raises:
        TypeError: ``rrule_obj`` is not an rrule or rruleset.

    Example:
        >>> import datetime as dt
        >>> from dateutil import rrule
        >>> rule = rrule.rrule(rrule.WEEKLY, byweekday=rrule.MO, byhour=6,
        ...                    dtstart=dt.datetime(2021, 1, 1))
        >>> [t.isoformat() for t in RRuleSchedule(rule).next(2, after=dt.datetime(2021, 1, 1))]
        ['2021-01-04T06:00:00+00:00', '2021-01-11T06:00:00+00:00']
    """
    return Schedule(clocks=[RRuleClock(rrule_obj, start_date=start_date, end_date=end_date)])
