"""State names and kinds: all the server knows of Prefect's states.

The engine's ``State`` classes never cross HTTP; their class name does (``"TriggerFailed"``),
with a message. The server needs only to know which kind a name is, to apply its transition
rules, to claim due runs and to draw colours.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CLAIMABLE_STATES", "StateKind", "STATE_KINDS", "FAILED_STATES", "RESTARTED_MESSAGE",
           "SUCCESS_STATES", "kind_of", "is_finished"]


class StateKind(StrEnum):
    """Where a state sits in a run's life."""

    PENDING = "pending"
    """Waiting for its time (Scheduled, Retrying, Paused) or not yet looked at (Pending)."""
    SUBMITTED = "submitted"
    """An agent took the run and is starting it."""
    RUNNING = "running"
    """Code is executing (Running, Cancelling)."""
    FINISHED = "finished"
    """Nothing more will happen unless someone restarts it."""


STATE_KINDS: dict[str, StateKind] = {
    "Pending": StateKind.PENDING,
    "Scheduled": StateKind.PENDING,
    "Paused": StateKind.PENDING,
    "Resume": StateKind.PENDING,
    "Retrying": StateKind.PENDING,
    "Submitted": StateKind.SUBMITTED,
    "Queued": StateKind.SUBMITTED,
    "ClientFailed": StateKind.SUBMITTED,
    "Running": StateKind.RUNNING,
    "Cancelling": StateKind.RUNNING,
    "Looped": StateKind.FINISHED,
    "Success": StateKind.FINISHED,
    "Cached": StateKind.FINISHED,
    "Mapped": StateKind.FINISHED,
    "Skipped": StateKind.FINISHED,
    "Cancelled": StateKind.FINISHED,
    "Failed": StateKind.FINISHED,
    "TimedOut": StateKind.FINISHED,
    "TriggerFailed": StateKind.FINISHED,
    "ValidationFailed": StateKind.FINISHED,
}

CLAIMABLE_STATES = frozenset({"Scheduled", "Retrying", "Resume"})
"""The states in which an agent may take a run once it is due."""
"""Every state name a run or task run can be in, with its kind."""

FAILED_STATES = frozenset({"Failed", "TimedOut", "TriggerFailed", "ValidationFailed"})
RESTARTED_MESSAGE = "Restarted: the task runs that did not succeed run again."
"""The message of the Scheduled state a failed run is restarted with (client and web UI)."""
SUCCESS_STATES = frozenset({"Success", "Cached", "Mapped", "Skipped", "Looped"})


def kind_of(state: str) -> StateKind:
    """The kind of a state name.

    Raises:
        KeyError: ``state`` is not one of Prefect's state names.
    """
    return STATE_KINDS[state]


def is_finished(state: str) -> bool:
    """Whether a run in this state will do nothing more."""
    return STATE_KINDS.get(state) is StateKind.FINISHED
