"""What the flow and task runners share: calling state handlers on each state change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from logging import Logger
from typing import Any

from caudal.engine import signals
from caudal.engine.state import Failed, State
from caudal.exceptions import CaudalSignal
from caudal.utilities.context import context as _context

__all__ = ["call_state_handlers", "raising_on_exception"]


def raising_on_exception() -> bool:
    """Whether errors must propagate instead of failing the run: set by
    ``caudal.utilities.debug.raise_on_exception`` (the run context's ``raise_on_exception``)."""
    return bool(_context.get("raise_on_exception"))


def call_state_handlers(
    handlers: Iterable[Callable[..., Any]], owner: Any, old: State, new: State, logger: Logger
) -> State:
    """Call ``handler(owner, old, new)`` in turn; each may return a state that replaces ``new``.

    Raises:
        ENDRUN: a handler raised an error (the run ends Failed with the error in the
            message), or a signal (``FAIL``, ``SKIP``, ``SUCCESS``...: the run ends in the
            signal's state, and no later handler is called), as in Prefect 0.15.
    """
    for handler in handlers:
        try:
            new = handler(owner, old, new) or new
        except signals.ENDRUN:
            raise
        except signals.CaudalStateSignal as sig:
            raise signals.ENDRUN(sig.state) from None
        except CaudalSignal:
            raise
        except Exception as exc:
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            message = f"Unexpected error while calling state handlers: {exc!r}"
            logger.exception(message)
            raise signals.ENDRUN(Failed(message, result=exc)) from exc
    return new
