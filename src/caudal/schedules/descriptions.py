"""Schedules as JSON and back: what registration sends and what the server's scheduler reads.

``schedule_to_dict`` describes clocks (with their zones, parameter defaults and labels),
filters and adjustments; ``schedule_from_dict`` rebuilds a Schedule that fires at exactly the
same times. Filters and adjustments made by a factory (``at_time(time(9))``) remember the
factory and its arguments for this purpose; an ``RRuleClock``'s rule is sent as the arguments
that build it again.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from caudal.schedules.timezones import as_aware

__all__ = ["described", "schedule_from_dict", "schedule_to_dict"]

_SPEC = "_caudal_spec"


def described(factory: Callable[..., Callable[..., Any]]) -> Callable[..., Callable[..., Any]]:
    """Make a filter or adjustment factory tag what it returns with its name and arguments.

    Arguments may be given by position or by name (``on_date(month=1, day=1)``); either way
    they are remembered by position, so both describe the same way.
    """
    signature = inspect.signature(factory)

    @functools.wraps(factory)
    def make(*args: Any, **kwargs: Any) -> Callable[..., Any]:
        made = factory(*args, **kwargs)  # a wrong call raises Python's own TypeError
        setattr(made, _SPEC, (factory.__name__, signature.bind(*args, **kwargs).args))
        return made

    return make


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if type(value) is not dt.datetime:  # pendulum's: described as the stdlib one it names
            value = as_aware(value)
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return {"datetime": value.isoformat(), "zone": zone}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta_s": value.total_seconds()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "datetime" in value:
        parsed = dt.datetime.fromisoformat(value["datetime"])
        zone = value.get("zone")
        # The same instant, shown in its zone again: DST rules come back with the zone.
        return parsed.astimezone(ZoneInfo(zone)) if zone else parsed
    if isinstance(value, dict) and "time" in value:
        return dt.time.fromisoformat(value["time"])
    if isinstance(value, dict) and "timedelta_s" in value:
        return dt.timedelta(seconds=value["timedelta_s"])
    return value


def _encode_rule_value(value: Any) -> Any:
    from dateutil.rrule import weekday

    if isinstance(value, dt.datetime):
        tz = value.tzinfo
        if tz is not None and not isinstance(tz, ZoneInfo | dt.timezone):
            raise ValueError(
                f"RRuleClock's rule has a date in time zone {tz!r}, which caudal cannot name to "
                "the server; write the rule's dates with zoneinfo.ZoneInfo('America/Sao_Paulo'), "
                "a pendulum or pytz zone, or a fixed offset."
            )
        return _encode(value)
    if isinstance(value, weekday):
        return {"weekday": value.weekday, "n": value.n}
    if isinstance(value, list | tuple):
        return [_encode_rule_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode_rule_value(v) for k, v in value.items()}
    return value


def _decode_rule_value(value: Any) -> Any:
    from dateutil.rrule import weekday

    if isinstance(value, dict) and "datetime" in value:
        return _decode(value)
    if isinstance(value, dict) and "weekday" in value:
        return weekday(value["weekday"], value["n"])
    if isinstance(value, dict):
        return {k: _decode_rule_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_rule_value(v) for v in value]
    return value


def _function_to_dict(fn: Callable[..., Any]) -> dict[str, Any]:
    spec = getattr(fn, _SPEC, None)
    if spec is not None:
        name, args = spec
        return {"fn": name, "args": [_encode(a) for a in args]}
    name = getattr(fn, "__name__", "")
    module = getattr(fn, "__module__", "")
    if not module.startswith("caudal.schedules."):
        raise ValueError(
            f"Filter or adjustment {fn!r} is not one of caudal.schedules' own, so it cannot be "
            "described to the server; use the functions in caudal.schedules.filters and "
            "caudal.schedules.adjustments."
        )
    return {"fn": name}


def _function_from_dict(data: dict[str, Any], module: Any) -> Callable[..., Any]:
    fn = getattr(module, data["fn"], None)
    if fn is None:
        raise ValueError(f"Unknown schedule function '{data['fn']}' in {module.__name__}.")
    if "args" in data:
        return fn(*[_decode(a) for a in data["args"]])
    return fn


def _clock_to_dict(clock: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": type(clock).__name__,
        "start_date": _encode(clock.start_date),
        "end_date": _encode(clock.end_date),
        "parameter_defaults": dict(clock.parameter_defaults or {}),
        "labels": list(clock.labels) if clock.labels is not None else None,
    }
    if data["type"] == "IntervalClock":
        data["interval_s"] = clock.interval.total_seconds()
    elif data["type"] == "CronClock":
        data["cron"] = clock.cron
        data["day_or"] = clock.day_or
    elif data["type"] == "DatesClock":
        data["dates"] = [_encode(d) for d in clock.dates]
    elif data["type"] == "RRuleClock":
        from caudal.schedules.rrules import normalize_rule, rule_parts

        # The rule's arguments, with the zones caudal reads its dates in (see RRuleClock).
        data["rrule"] = _encode_rule_value(rule_parts(normalize_rule(clock.rrule_obj)))
    return data


def _clock_from_dict(data: dict[str, Any]) -> Any:
    from caudal.schedules import clocks

    common = {"parameter_defaults": data.get("parameter_defaults") or None,
              "labels": data.get("labels")}
    bounds = {"start_date": _decode(data.get("start_date")),
              "end_date": _decode(data.get("end_date"))}
    kind = data.get("type")
    if kind == "IntervalClock":
        return clocks.IntervalClock(dt.timedelta(seconds=data["interval_s"]), **bounds, **common)
    if kind == "CronClock":
        return clocks.CronClock(data["cron"], day_or=data.get("day_or"), **bounds, **common)
    if kind == "DatesClock":
        return clocks.DatesClock([_decode(d) for d in data["dates"]], **common)
    if kind == "RRuleClock":
        from caudal.schedules.rrules import build_rule

        return clocks.RRuleClock(build_rule(_decode_rule_value(data["rrule"])), **bounds,
                                 **common)
    raise ValueError(f"Unknown clock type {kind!r} in a schedule description.")


def schedule_to_dict(schedule: Any) -> dict[str, Any]:
    """A JSON-safe description of ``schedule``.

    Example:
        >>> import datetime as dt
        >>> from caudal.schedules import Schedule, filters
        >>> from caudal.schedules.clocks import CronClock
        >>> data = schedule_to_dict(Schedule(clocks=[CronClock("0 9 * * *")],
        ...                                  filters=[filters.is_weekday]))
        >>> data["clocks"][0]["cron"], data["filters"]
        ('0 9 * * *', [{'fn': 'is_weekday'}])
    """
    return {
        "type": "Schedule",
        "clocks": [_clock_to_dict(c) for c in schedule.clocks],
        "filters": [_function_to_dict(f) for f in schedule.filters],
        "or_filters": [_function_to_dict(f) for f in schedule.or_filters],
        "not_filters": [_function_to_dict(f) for f in schedule.not_filters],
        "adjustments": [_function_to_dict(a) for a in schedule.adjustments],
    }


def schedule_from_dict(data: dict[str, Any]) -> Any:
    """The Schedule that ``schedule_to_dict`` described; it fires at the same times."""
    from caudal.schedules import adjustments, filters
    from caudal.schedules.schedules import Schedule

    return Schedule(
        clocks=[_clock_from_dict(c) for c in data.get("clocks", [])],
        filters=[_function_from_dict(f, filters) for f in data.get("filters", [])],
        or_filters=[_function_from_dict(f, filters) for f in data.get("or_filters", [])],
        not_filters=[_function_from_dict(f, filters) for f in data.get("not_filters", [])],
        adjustments=[_function_from_dict(a, adjustments) for a in data.get("adjustments", [])],
    )
