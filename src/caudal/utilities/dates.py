"""Datetimes as flows get them: pendulum ``DateTime`` values, as Prefect 0.15 gave them.

Flows call pendulum's methods on ``caudal.context.date`` and ``scheduled_start_time``
(``.subtract(days=1)``, ``.in_tz("America/Sao_Paulo")``, ``.to_date_string()``). pendulum is
imported the first time a run needs one, never by ``import caudal``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pendulum

__all__ = ["now", "parse", "to_pendulum"]


def now() -> pendulum.DateTime:
    """The current time, in UTC."""
    import pendulum

    return pendulum.now("UTC")


def to_pendulum(value: datetime.datetime) -> pendulum.DateTime:
    """``value`` as a pendulum ``DateTime`` at the same instant and zone (naive: UTC), as the
    schedules give them.

    Example:
        >>> to_pendulum(datetime.datetime(2021, 3, 4, 10)).isoformat()
        '2021-03-04T10:00:00+00:00'
    """
    from caudal.schedules.timezones import as_pendulum

    return as_pendulum(value)


def parse(value: Any) -> pendulum.DateTime | None:
    """A date and time read from text as Prefect 0.15 reads a context ``date``
    (``"2021-03-04"``, ``"2021-03-04T10:20:00-03:00"``; no zone: UTC), or None when the text
    is not one.

    Example:
        >>> parse("2021-03-04").to_iso8601_string(), parse("soon")
        ('2021-03-04T00:00:00Z', None)
    """
    import pendulum

    if not isinstance(value, str):
        return None
    try:
        parsed = pendulum.parse(value)
    except Exception:  # noqa: BLE001 (pendulum's parser errors are of several kinds)
        return None
    return parsed if isinstance(parsed, pendulum.DateTime) else None
