"""Signals a task raises to set its own state, as in Prefect 0.15.

Each signal names the state it produces: ``raise FAIL("bad row")`` ends the task ``Failed``
with that message, ``raise SKIP()`` ends it ``Skipped``. Signals derive from ``CaudalSignal``
(a ``BaseException``), so a task's ``except Exception:`` cannot swallow them.

Example:
    >>> from caudal import task, Flow
    >>> from caudal.engine import signals
    >>> @task
    ... def check(rows):
    ...     if not rows:
    ...         raise signals.SKIP("nothing to load today")
    ...     return len(rows)
    >>> with Flow("daily") as flow:
    ...     n = check([])
    >>> flow.run().result[n]
    <Skipped: "nothing to load today">
"""

from __future__ import annotations

from typing import Any

from caudal.engine import state
from caudal.exceptions import CaudalSignal, PrefectSignal, TaskTimeoutSignal

__all__ = [
    "ENDRUN",
    "FAIL",
    "LOOP",
    "PAUSE",
    "RETRY",
    "SKIP",
    "SUCCESS",
    "TRIGGERFAIL",
    "VALIDATIONFAIL",
    "CaudalStateSignal",
    "PrefectSignal",
    "TaskTimeoutSignal",
    "signal_from_state",
]

# TaskTimeoutSignal and PrefectSignal live in caudal.exceptions, as in Prefect 0.15; they are
# imported above so that engine code and Prefect's signals path (PrefectSignal) have them here.


class CaudalStateSignal(CaudalSignal):
    """A signal that carries the state it produces in ``.state``.

    Args:
        message: the state's message (also the signal's text).
        *args: passed on to ``BaseException``.
        **kwargs: passed to the state (``result=``, ``start_time=``...).
    """

    _state_cls: type[state.State] = state.State

    def __init__(self, message: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(message, *args)
        kwargs.setdefault("result", self)
        self.state = self._state_cls(message=message, **kwargs)


# Prefect's name for the same base; pipelines catch it by this name.
PrefectStateSignal = CaudalStateSignal


class FAIL(CaudalStateSignal):
    """Ends the task ``Failed``."""

    _state_cls = state.Failed


class TRIGGERFAIL(FAIL):
    """Ends the task ``TriggerFailed``: its trigger refused the upstream states."""

    _state_cls = state.TriggerFailed


class VALIDATIONFAIL(FAIL):
    """Ends the task ``ValidationFailed``."""

    _state_cls = state.ValidationFailed


class SUCCESS(CaudalStateSignal):
    """Ends the task ``Success``; ``SUCCESS(result=value)`` sets its result."""

    _state_cls = state.Success


class SKIP(CaudalStateSignal):
    """Ends the task ``Skipped``; downstream tasks skip too unless they opt out."""

    _state_cls = state.Skipped


class RETRY(CaudalStateSignal):
    """Ends this attempt ``Retrying``, whatever ``max_retries`` says."""

    _state_cls = state.Retrying


class PAUSE(CaudalStateSignal):
    """Ends the task ``Paused`` until someone resumes it."""

    _state_cls = state.Paused


class LOOP(CaudalStateSignal):
    """Ends one iteration ``Looped``; the task runs again with ``task_loop_result`` set."""

    _state_cls = state.Looped

    def __init__(self, message: str | None = None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("result", None)  # a loop's result is the value it passes on
        super().__init__(message, *args, **kwargs)


class ENDRUN(CaudalSignal):
    """Stops the task run at once in the given state; no retry, no handler changes it."""

    def __init__(self, state: state.State) -> None:
        self.state = state
        super().__init__(getattr(state, "message", None))


_SIGNAL_FOR_STATE: dict[type[state.State], type[CaudalStateSignal]] = {
    state.Failed: FAIL,
    state.TriggerFailed: TRIGGERFAIL,
    state.ValidationFailed: VALIDATIONFAIL,
    state.Success: SUCCESS,
    state.Skipped: SKIP,
    state.Retrying: RETRY,
    state.Paused: PAUSE,
    state.Looped: LOOP,
}


def signal_from_state(st: state.State) -> type[CaudalStateSignal]:
    """The signal class that produces ``st``'s kind of state (the nearest one)."""
    for cls in type(st).__mro__:
        if cls in _SIGNAL_FOR_STATE:
            return _SIGNAL_FOR_STATE[cls]
    raise ValueError(f"No signal produces a '{type(st).__name__}' state.")
