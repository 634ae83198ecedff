"""What crosses between processes: a task's work, its value, its error, its final state.

A task that runs in another process (a pool's worker, a dask worker, the child its timeout
runs it in) gets its work with ``dumps_by_value`` (cloudpickle: the other process may not be
able to import a script's functions) and sends what it ended with back with ``dumps``: by
reference first (fast, and a class comes back as the very class the flow knows), with
cloudpickle otherwise (lambdas, closures). Either way an error is rebuilt without calling its
``__init__`` (which may want other arguments than the error's ``args``), and an error that
still cannot make the trip (an attribute holding a lock) goes without what does not pickle:
its type and message always reach the task's Failed state, and the tasks downstream of it.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from caudal.engine.state import Failed, State

__all__ = ["RemoteTraceback", "dumps", "dumps_by_value", "dumps_states", "find_pickling_error",
           "loads"]

PROTOCOL = pickle.HIGHEST_PROTOCOL


def _reduce_error(obj: Any, mend: bool) -> Any:
    """An error with the default reduction pickles as ``__new__``, its ``args`` and its
    attributes, not as a call to its class; when mending, without the attributes (or the
    ``args``) that do not pickle. Anything else pickles as usual (NotImplemented)."""
    cls = type(obj)
    if not isinstance(obj, BaseException) or cls.__reduce__ is not BaseException.__reduce__ \
            or cls.__reduce_ex__ is not object.__reduce_ex__:
        return NotImplemented
    args, attrs = obj.args, getattr(obj, "__dict__", None) or None
    if mend:
        if find_pickling_error(args) is not None:
            args = (_text(obj),)
        if attrs:
            attrs = {k: v for k, v in attrs.items() if find_pickling_error(v) is None} or None
    return _new_error, (cls, args), attrs


def _new_error(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    try:
        exc = cls.__new__(cls, *args)
    except Exception:  # a class whose __new__ wants something else
        exc = Exception.__new__(Exception)
    exc.args = args
    return exc


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:
        return repr(exc.args)


class _Pickler(pickle.Pickler):
    mend = False

    def reducer_override(self, obj: Any) -> Any:
        return _reduce_error(obj, self.mend)


_cloud_picklers: dict[bool, type[pickle.Pickler]] = {}


def _cloud_pickler(buffer: io.BytesIO, mend: bool) -> pickle.Pickler:
    if mend not in _cloud_picklers:  # made on first use: cloudpickle loads only when needed
        import cloudpickle

        class _CloudPickler(cloudpickle.Pickler):
            def reducer_override(self, obj: Any) -> Any:
                reduced = _reduce_error(obj, mend)
                return super().reducer_override(obj) if reduced is NotImplemented else reduced

        _cloud_picklers[mend] = _CloudPickler
    return _cloud_picklers[mend](buffer, protocol=PROTOCOL)


def _dump(value: Any, by_value: bool, mend: bool) -> bytes:
    buffer = io.BytesIO()
    if by_value:
        _cloud_pickler(buffer, mend).dump(value)
    else:
        pickler = _Pickler(buffer, protocol=PROTOCOL)
        pickler.mend = mend
        pickler.dump(value)
    return buffer.getvalue()


def dumps(value: Any, mend: bool = True) -> bytes:
    """``value`` pickled for the way back, to a process that can import whatever the sender
    can: by reference when it can be, with cloudpickle otherwise, and (``mend``) with errors
    stripped of what does not pickle as a last resort.

    Raises:
        Exception: the error of the last attempt, for a value that does not pickle.
    """
    try:
        return _dump(value, by_value=False, mend=False)
    except Exception:  # a lambda, a closure, a class of a script run elsewhere...
        pass
    if not mend:
        return _dump(value, by_value=True, mend=False)
    try:
        return _dump(value, by_value=True, mend=False)
    except Exception:  # an error holding a lock...
        return _dump(value, by_value=True, mend=True)


def dumps_by_value(value: Any) -> bytes:
    """``value`` pickled with cloudpickle, for a process that may not be able to import the
    sender's script (a forked pool's worker, a dask worker); errors stripped of what does not
    pickle as a last resort."""
    try:
        return _dump(value, by_value=True, mend=False)
    except Exception:
        return _dump(value, by_value=True, mend=True)


loads = pickle.loads
"""Read back what ``dumps`` or ``dumps_by_value`` wrote (plain pickle data)."""


def find_pickling_error(value: Any) -> str | None:
    """Why ``value`` cannot be pickled as it is (the error's repr), or None when it can."""
    try:
        dumps(value, mend=False)
    except Exception as exc:
        return repr(exc)
    return None


class RemoteTraceback(Exception):
    """The traceback of an error raised in another process, as text: set as the error's
    ``__cause__``, so that a logged traceback shows where the task really failed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return "\n" + self.text.rstrip()


def dumps_states(outcome: State | list[State]) -> bytes:
    """A task run's final state (or a batch of mapped children's) pickled to go back to the
    flow runner; a state whose value cannot make the trip is replaced by a Failed state that
    says why. Anything else is pickled as it is.

    Raises:
        Exception: what is not a state does not pickle.
    """
    try:
        return dumps(outcome)
    except Exception:  # a value that does not pickle: fail its task, send the others
        states = outcome if isinstance(outcome, list) else [outcome]
        if not all(isinstance(st, State) for st in states):
            raise
    sendable = [_unsendable(st) if _fails_to_pickle(st) else st for st in states]
    return dumps(sendable if isinstance(outcome, list) else sendable[0])


def _fails_to_pickle(value: Any) -> bool:
    try:
        dumps(value)
        return False
    except Exception:
        return True


def _unsendable(st: State) -> State:
    value = st.result
    why = find_pickling_error(value) or find_pickling_error(st)
    message = (f"The task's result (a '{type(value).__name__}') cannot be sent back from the "
               f"process that ran it: {why}. A task that runs in another process must return "
               "a value that pickles (with cloudpickle).")
    return Failed(message, result=RuntimeError(message))
