"""Engine states to and from the wire: a class name and a message cross HTTP, nothing more.

The client and the backend views build States from what the server answers with these, and
need neither the runners nor the Results to do it: this module imports only
``caudal.engine.state`` and ``caudal.wire``.
"""

from __future__ import annotations

import datetime
from typing import Any

from caudal.engine import state as states
from caudal.wire.states import STATE_KINDS

__all__ = ["state_from_wire", "state_to_wire"]


def state_from_wire(name: str, message: str | None = None,
                    timestamp: datetime.datetime | None = None,
                    start_time: datetime.datetime | None = None) -> states.State:
    """The engine ``State`` that a state name and message from the server describe.

    Args:
        name: a state class name (``"Failed"``, ``"TriggerFailed"``...).
        message: the state's message.
        timestamp: when the run entered the state (the new state's ``timestamp``).
        start_time: for ``Scheduled`` and its kinds, when the run is due.

    Returns:
        An instance of the ``caudal.engine.state`` class of that name; a name this version
        does not know gives a plain ``State`` with the message.

    Example:
        >>> state_from_wire("Failed", "boom")
        <Failed: "boom">
        >>> state_from_wire("TriggerFailed").is_failed()
        True
    """
    cls = getattr(states, name, None)
    if not (isinstance(cls, type) and issubclass(cls, states.State)) or name not in STATE_KINDS:
        cls = states.State
    if issubclass(cls, states.Scheduled) and start_time is not None:
        built: states.State = cls(message=message, start_time=start_time)
    else:
        built = cls(message=message)
    if timestamp is not None:
        built.timestamp = timestamp
    return built


def state_to_wire(state: states.State | str, message: str | None = None) -> dict[str, Any]:
    """The ``StateSet`` body for ``state``: a State instance or a state name.

    Raises:
        ValueError: ``state`` names no state the server knows.

    Example:
        >>> state_to_wire(states.Failed("boom"))
        {'state': 'Failed', 'message': 'boom'}
    """
    if isinstance(state, states.State):
        name = type(state).__name__
        message = state.message if message is None else message
    else:
        name = str(state)
    if name not in STATE_KINDS:
        raise ValueError(f"'{name}' is not a state the caudal server knows; use one of "
                         f"{', '.join(sorted(STATE_KINDS))}.")
    body: dict[str, Any] = {"state": name, "message": None if message is None else str(message)}
    start_time = getattr(state, "start_time", None)
    if isinstance(state, states.Scheduled) and start_time is not None:
        body["start_time"] = start_time
    return body
