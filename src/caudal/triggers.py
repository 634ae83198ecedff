"""Triggers: when a task may run, given the final states of its upstream tasks.

A trigger is a function of the upstream states that returns ``True`` to let the task run, or
raises ``TRIGGERFAIL`` (the task ends ``TriggerFailed``) or ``PAUSE`` (``manual_only``). The
default is ``all_successful``.

Example:
    >>> from caudal import task, Flow, triggers
    >>> @task
    ... def load():
    ...     raise ValueError("database down")
    >>> @task(trigger=triggers.any_failed)
    ... def alert():
    ...     return "paged the on-call engineer"
    >>> with Flow("etl") as flow:
    ...     a = alert(upstream_tasks=[load()])
    >>> flow.run().result[a].result
    'paged the on-call engineer'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from caudal.engine import signals
from caudal.engine.state import Mapped, State

Trigger = Callable[[Mapping[Any, State]], bool]

__all__ = [
    "all_failed",
    "all_finished",
    "all_successful",
    "always_run",
    "any_failed",
    "any_successful",
    "manual_only",
    "not_all_skipped",
    "some_failed",
    "some_successful",
]


def _states(upstream_states: Mapping[Any, State] | Iterable[State]) -> list[State]:
    """Flatten upstream states: a mapped parent counts as its children."""
    values = upstream_states.values() if isinstance(upstream_states, Mapping) else upstream_states
    found: list[State] = []
    for st in values:
        if isinstance(st, Mapped):
            found.extend(st.map_states)
        else:
            found.append(st)
    return found


def all_finished(upstream_states: Mapping[Any, State]) -> bool:
    """Runs once every upstream task finished, whatever its outcome."""
    if not all(s.is_finished() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL(
            'Trigger was "all_finished" but some of the upstream tasks were not finished.'
        )
    return True


# The same trigger under its older name.
always_run = all_finished


def manual_only(upstream_states: Mapping[Any, State]) -> bool:
    """Never runs on its own: the task pauses until someone resumes it."""
    from caudal.utilities.context import context  # leaf module; imported late for speed

    if context.get("resume"):
        return True
    raise signals.PAUSE('Trigger function is "manual_only"')


def all_successful(upstream_states: Mapping[Any, State]) -> bool:
    """Runs when every upstream task succeeded (Skipped, Cached and Mapped count)."""
    if not all(s.is_successful() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL(
            'Trigger was "all_successful" but some of the upstream tasks failed.'
        )
    return True


def all_failed(upstream_states: Mapping[Any, State]) -> bool:
    """Runs when every upstream task failed."""
    if not all(s.is_failed() for s in _states(upstream_states)):
        raise signals.TRIGGERFAIL(
            'Trigger was "all_failed" but some of the upstream tasks succeeded.'
        )
    return True


def any_successful(upstream_states: Mapping[Any, State]) -> bool:
    """Runs when at least one upstream task succeeded (or there are none)."""
    states = _states(upstream_states)
    if states and not any(s.is_successful() for s in states):
        raise signals.TRIGGERFAIL(
            'Trigger was "any_successful" but none of the upstream tasks succeeded.'
        )
    return True


def any_failed(upstream_states: Mapping[Any, State]) -> bool:
    """Runs when at least one upstream task failed (or there are none)."""
    states = _states(upstream_states)
    if states and not any(s.is_failed() for s in states):
        raise signals.TRIGGERFAIL(
            'Trigger was "any_failed" but none of the upstream tasks failed.'
        )
    return True


def not_all_skipped(upstream_states: Mapping[Any, State]) -> bool:
    """Runs when every upstream task succeeded and not all of them skipped."""
    states = _states(upstream_states)
    if all(s.is_skipped() for s in states):
        raise signals.SKIP("All upstreams were skipped", result=None)
    if not all(s.is_successful() for s in states):
        raise signals.TRIGGERFAIL(
            'Trigger was "not_all_skipped" but some of the upstream tasks failed.'
        )
    return True


def _threshold_trigger(
    name: str, counts: str, at_least: float | None, at_most: float | None
) -> Trigger:
    """A trigger that runs when the number of upstream states matching ``counts`` is in bounds.

    A bound below 1 is a fraction of the upstream tasks; 1 or more is an absolute number.
    """

    def check(upstream_states: Mapping[Any, State]) -> bool:
        if not upstream_states:
            return True
        states = _states(upstream_states)
        hits = sum(1 for s in states if getattr(s, counts)())
        low = 0.0 if at_least is None else (at_least * len(states) if at_least < 1 else at_least)
        high = len(states) if at_most is None else (at_most * len(states) if at_most < 1 else at_most)
        if not low <= hits <= high:
            raise signals.TRIGGERFAIL(f'Trigger was "{name}" but thresholds were not met.')
        return True

    check.__name__ = name
    return check


def some_failed(at_least: float | None = None, at_most: float | None = None) -> Trigger:
    """A trigger that runs when between ``at_least`` and ``at_most`` upstream tasks failed."""
    return _threshold_trigger("some_failed", "is_failed", at_least, at_most)


def some_successful(at_least: float | None = None, at_most: float | None = None) -> Trigger:
    """A trigger that runs when between ``at_least`` and ``at_most`` upstream tasks succeeded."""
    return _threshold_trigger("some_successful", "is_successful", at_least, at_most)
