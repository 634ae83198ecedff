"""Recurrence rules (python-dateutil's ``rrule`` and ``rruleset``) taken apart and rebuilt.

``RRuleClock`` rebuilds a user's rule with caudal's zones (``normalize_rule``), so its times
are the same on a laptop and on the server; ``caudal.schedules.descriptions`` sends a rule's
parts (``rule_parts``) as JSON and rebuilds it there (``build_rule``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from caudal.schedules.timezones import as_aware, at_wall_time

__all__ = ["build_rule", "map_rule_datetimes", "normalize_rule", "rule_parts"]

# The arguments of dateutil's rrule() besides the by-rules; what rrule.replace() keeps.
_RULE_ARGUMENTS = ("freq", "dtstart", "interval", "wkst", "count", "until")


def rule_parts(rule: Any) -> dict[str, Any]:
    """The arguments that build ``rule`` again, as ``{"rrule": {...}}`` or ``{"rruleset": {...}}``.

    dateutil keeps a rule's arguments private; these are the attributes its own
    ``rrule.replace()`` reads, and ``rruleset``'s lists of rules and dates.

    Raises:
        - TypeError: if ``rule`` is not an ``rrule`` or ``rruleset``
    """
    from dateutil.rrule import rrule, rruleset

    if isinstance(rule, rrule):
        args = {name: getattr(rule, f"_{name}") for name in _RULE_ARGUMENTS}
        args.update(rule._original_rule)
        return {"rrule": args}
    if isinstance(rule, rruleset):
        return {"rruleset": {
            "rrules": [rule_parts(r)["rrule"] for r in rule._rrule],
            "exrules": [rule_parts(r)["rrule"] for r in rule._exrule],
            "rdates": list(rule._rdate),
            "exdates": list(rule._exdate),
        }}
    raise TypeError(f"RRuleClock needs a dateutil rrule or rruleset, not "
                    f"'{type(rule).__name__}'.")


def build_rule(parts: dict[str, Any]) -> Any:
    """The ``rrule`` or ``rruleset`` that ``rule_parts`` took apart."""
    from dateutil.rrule import rrule, rruleset

    if "rrule" in parts:
        return rrule(**parts["rrule"])
    rules = rruleset()
    for args in parts["rruleset"]["rrules"]:
        rules.rrule(rrule(**args))
    for args in parts["rruleset"]["exrules"]:
        rules.exrule(rrule(**args))
    for date in parts["rruleset"]["rdates"]:
        rules.rdate(date)
    for date in parts["rruleset"]["exdates"]:
        rules.exdate(date)
    return rules


def map_rule_datetimes(parts: dict[str, Any],
                       convert: Callable[[dt.datetime, str], Any]) -> dict[str, Any]:
    """``parts`` with ``convert(value, role)`` applied to each of its datetimes.

    ``role`` is ``"until"`` for a rule's end and ``"wall"`` for the rest (start dates, added
    and excluded dates), whose wall times are what the rule means.
    """
    def one_rule(args: dict[str, Any]) -> dict[str, Any]:
        args = dict(args)
        for name in ("dtstart", "until"):
            if isinstance(args.get(name), dt.datetime):
                args[name] = convert(args[name], "until" if name == "until" else "wall")
        return args

    if "rrule" in parts:
        return {"rrule": one_rule(parts["rrule"])}
    rules = parts["rruleset"]
    return {"rruleset": {
        "rrules": [one_rule(args) for args in rules["rrules"]],
        "exrules": [one_rule(args) for args in rules["exrules"]],
        "rdates": [convert(d, "wall") for d in rules["rdates"]],
        "exdates": [convert(d, "wall") for d in rules["exdates"]],
    }}


def _in_caudal_zone(value: dt.datetime, role: str) -> dt.datetime:
    if value.tzinfo is None:
        return value  # a naive rule stays naive: its wall times are UTC
    return as_aware(value) if role == "until" else at_wall_time(value)


def normalize_rule(rule: Any) -> Any:
    """``rule`` rebuilt with stdlib zones: ``ZoneInfo`` for pytz and pendulum zones.

    The times it gives are the same; what changes is that the rule compares its dates (its
    end, its excluded dates) as the moments caudal reads them, on a laptop as on the server.

    Raises:
        - TypeError: if ``rule`` is not an ``rrule`` or ``rruleset``
    """
    return build_rule(map_rule_datetimes(rule_parts(rule), _in_caudal_zone))
