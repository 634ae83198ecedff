"""Task and flow run states, as Prefect 0.15 names and nests them.

A run moves from ``Pending`` (waiting, possibly ``Scheduled`` for a later time) through
``Running`` to a ``Finished`` state. The hierarchy carries meaning: ``Skipped``, ``Cached`` and
``Mapped`` are kinds of ``Success``; ``TimedOut``, ``TriggerFailed`` and ``ValidationFailed``
are kinds of ``Failed``; ``Retrying`` and ``Paused`` are kinds of ``Scheduled``. So
``state.is_successful()`` and its siblings answer correctly for every subclass.

States are plain slotted objects: the engine makes a few of them per task, and nothing about
a state needs validating. A state's value is ``state.result``; when the value was written
somewhere (a checkpointed ``Result``), ``state._result`` is that Result and ``state.location``
where it went. A state built from a location alone (``Success(result=LocalResult(location=...))``)
has no value until ``state.load_result()`` reads it back.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

__all__ = [
    "Cached",
    "Cancelled",
    "Cancelling",
    "ClientFailed",
    "Failed",
    "Finished",
    "Looped",
    "Mapped",
    "Paused",
    "Pending",
    "Queued",
    "ResultBase",
    "Resume",
    "Retrying",
    "Running",
    "Scheduled",
    "Skipped",
    "State",
    "Submitted",
    "Success",
    "TimedOut",
    "TriggerFailed",
    "ValidationFailed",
]


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _aware(when: datetime.datetime | None) -> datetime.datetime | None:
    """A time as given, read as UTC when it has no zone (as Prefect 0.15 reads it)."""
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=datetime.UTC)
    return when


_NOT_COMPARED = {"message", "result", "context", "timestamp"}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # e.g. DataFrames refuse to become one bool
        return a is b


class ResultBase:
    """A value and the location it is stored at: the part of a Result that states rely on.

    ``caudal.engine.results.Result`` derives from it, so a state recognises a Result (and a
    ``state._result`` of a value kept only in memory is one of these) without this module
    importing the results package.

    Args:
        value: the value, or None when it has not been read from ``location`` yet.
        location: where the value is stored, or None when it is kept only in memory.
    """

    __slots__ = ("value", "location")

    def __init__(self, value: Any = None, location: str | None = None) -> None:
        self.value = value
        self.location = location

    def __repr__(self) -> str:
        name = "Result" if type(self) is ResultBase else type(self).__name__
        return f"<{name}: {self.value!r}>"


class State:
    """Base class of every state.

    Args:
        message: a human-readable note on why the run is in this state.
        result: the value the state carries (a task's return value, or the signal it raised),
            or a Result: its value becomes ``state.result`` and its location
            ``state.location``.
        context: extra context for the next run of the task (for example its run count).
        cached_inputs: the inputs a task ran with, kept for retries and caching.
    """

    __slots__ = ("message", "result", "context", "cached_inputs", "timestamp", "_stored")
    color = "#696969"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        context: dict[str, Any] | None = None,
        cached_inputs: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        if result is not None and isinstance(result, ResultBase):
            self._stored: ResultBase | None = result
            result = result.value
        else:
            self._stored = None
        self.result = result
        self.context = context if context is not None else {}
        self.cached_inputs = cached_inputs if cached_inputs is not None else {}
        self.timestamp = _utcnow()

    def __repr__(self) -> str:
        name = type(self).__name__
        if self.message is not None:
            return f'<{name}: "{self.message}">'
        return f"<{name}>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        """Same kind of state with the same data; the message and context do not count."""
        if type(self) is not type(other):
            return False
        assert isinstance(other, State)
        if not _same(self.result, other.result):
            return False
        for cls in type(self).__mro__:
            for attr in getattr(cls, "__slots__", ()):
                if attr.startswith("_") or attr in _NOT_COMPARED:
                    continue
                if not _same(getattr(self, attr, None), getattr(other, attr, None)):
                    return False
        return True

    def __hash__(self) -> int:
        return id(self)

    @property
    def _result(self) -> ResultBase:
        """The state's value as a Result (Prefect's ``state._result``): the Result it was
        written with or read from, else a plain in-memory one."""
        stored = self._stored
        if stored is None:
            return ResultBase(self.result)
        if stored.value is not self.result:  # the value was replaced after it was stored
            stored = copy.copy(stored)
            stored.value = self.result
        return stored

    @property
    def stored_result(self) -> ResultBase | None:
        """The Result the state's value was written with or read from; None while the value
        lives only in memory."""
        return self._stored

    @stored_result.setter
    def stored_result(self, value: ResultBase | None) -> None:
        self._stored = value

    @property
    def location(self) -> str | None:
        """Where the state's value is stored (a path, a key, a URI), or None."""
        return None if self._stored is None else self._stored.location

    @location.setter
    def location(self, value: str | None) -> None:
        if self._stored is None:
            self._stored = ResultBase(self.result, value)
        else:
            stored = copy.copy(self._stored)  # never change a Result the caller still holds
            stored.location = value
            self._stored = stored

    def load_result(self, result: Any = None) -> State:
        """Read the state's value back from its location, if it is not in memory yet.

        Args:
            result: the Result to read with (for example the task's ``result``); by default
                the Result the state carries. A state that knows only a location needs one.

        Returns:
            This state, with ``state.result`` filled in.

        Raises:
            ValueError: the state has a location but nothing to read it with.

        Example:
            >>> from caudal.engine.results import PrefectResult
            >>> state = Success(result=PrefectResult(location="[1, 2]"))
            >>> state.result is None, state.load_result().result
            (True, [1, 2])
        """
        stored = self._stored
        if stored is None or stored.location is None or self.result is not None:
            return self
        reader = result if result is not None else stored
        if not hasattr(reader, "read"):
            raise ValueError(
                f"{self!r} has its value at {stored.location!r} but no Result to read it "
                "with; pass one: state.load_result(LocalResult(...)), or give the task a "
                "result=."
            )
        loaded = reader.read(stored.location)
        self._stored = loaded
        self.result = loaded.value
        return self

    @classmethod
    def parents(cls) -> list[type[State]]:
        """The state classes this one derives from, nearest first."""
        return [c for c in cls.__mro__[1:] if issubclass(c, State)]

    @classmethod
    def children(cls) -> list[type[State]]:
        """Every state class that derives from this one."""
        found: list[type[State]] = []
        todo = list(cls.__subclasses__())
        while todo:
            sub = todo.pop()
            found.append(sub)
            todo.extend(sub.__subclasses__())
        return found

    # Predicates. Each is an isinstance check, so subclasses answer like their parents.
    def is_pending(self) -> bool:
        return isinstance(self, Pending)

    def is_retrying(self) -> bool:
        return isinstance(self, Retrying)

    def is_paused(self) -> bool:
        return isinstance(self, Paused)

    def is_running(self) -> bool:
        return isinstance(self, Running)

    def is_cancelling(self) -> bool:
        return isinstance(self, Cancelling)

    def is_finished(self) -> bool:
        return isinstance(self, Finished)

    def is_scheduled(self) -> bool:
        return isinstance(self, Scheduled | Queued)

    def is_skipped(self) -> bool:
        return isinstance(self, Skipped)

    def is_successful(self) -> bool:
        return isinstance(self, Success)

    def is_failed(self) -> bool:
        return isinstance(self, Failed)

    def is_mapped(self) -> bool:
        return isinstance(self, Mapped)

    def is_cached(self) -> bool:
        return isinstance(self, Cached)

    def is_looped(self) -> bool:
        return isinstance(self, Looped)

    def is_meta_state(self) -> bool:
        return isinstance(self, _MetaState)

    def is_submitted(self) -> bool:
        return isinstance(self, Submitted)

    def is_queued(self) -> bool:
        return isinstance(self, Queued)


class _MetaState(State):
    """A state about another state (submitted or queued while it was ``state``)."""

    __slots__ = ("state",)
    color = "#696969"

    def __init__(self, message: str | None = None, result: Any = None,
                 state: State | None = None, context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None) -> None:
        super().__init__(message=message, result=result, context=context,
                         cached_inputs=cached_inputs)
        self.state = state


class ClientFailed(_MetaState):
    """The state could not be sent to the server."""

    __slots__ = ()
    color = "#eb0000"


class Submitted(_MetaState):
    """Handed to an executor or an agent, not started yet."""

    __slots__ = ()
    color = "#ffdf5d"


class Queued(_MetaState):
    """Waiting for a free slot (a concurrency limit), retried at ``start_time``."""

    __slots__ = ("start_time",)
    color = "#ffea7f"

    def __init__(self, message: str | None = None, result: Any = None,
                 state: State | None = None, start_time: datetime.datetime | None = None,
                 context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None) -> None:
        super().__init__(message=message, result=result, state=state, context=context,
                         cached_inputs=cached_inputs)
        self.start_time = _aware(start_time) or _utcnow()


class Pending(State):
    """Not started: waiting for upstream tasks, a time or a resource."""

    __slots__ = ()
    color = "#7ebdff"


class Scheduled(Pending):
    """Pending until ``start_time``."""

    __slots__ = ("start_time",)
    color = "#ffab00"

    def __init__(self, message: str | None = None, result: Any = None,
                 start_time: datetime.datetime | None = None,
                 context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None) -> None:
        super().__init__(message=message, result=result, context=context,
                         cached_inputs=cached_inputs)
        self.start_time = _aware(start_time) if start_time is not None else _utcnow()


class Paused(Scheduled):
    """Waiting for someone to resume it (``manual_only`` trigger or a PAUSE signal); with a
    ``start_time``, until then at the latest, else (None) until resumed."""

    __slots__ = ()
    color = "#99a8e8"

    def __init__(self, message: str | None = None, result: Any = None,
                 start_time: datetime.datetime | None = None,
                 context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None) -> None:
        super().__init__(message=message, result=result, context=context,
                         cached_inputs=cached_inputs)
        self.start_time = _aware(start_time)  # type: ignore[assignment]


class Resume(Scheduled):
    """A paused run that someone resumed."""

    __slots__ = ()
    color = "#f58c0c"


class Retrying(Scheduled):
    """Failed, and scheduled to run again at ``start_time``."""

    __slots__ = ("run_count",)
    color = "#f66a0a"

    def __init__(self, message: str | None = None, result: Any = None,
                 start_time: datetime.datetime | None = None,
                 context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None,
                 run_count: int | None = None) -> None:
        super().__init__(message=message, result=result, start_time=start_time,
                         context=context, cached_inputs=cached_inputs)
        if run_count is None:
            run_count = int(self.context.get("task_run_count", 1))
        self.run_count = run_count


class Running(State):
    """Executing now."""

    __slots__ = ()
    color = "#3d67ff"


class Cancelling(Running):
    """Asked to stop; still running until it does."""

    __slots__ = ()
    color = "#E8E8E8"


class Finished(State):
    """Done, one way or another."""

    __slots__ = ()
    color = "#003ccb"


class Looped(Finished):
    """Finished one iteration of a LOOP; runs again with ``loop_count`` + 1."""

    __slots__ = ("loop_count",)
    color = "#003ccb"

    def __init__(self, message: str | None = None, result: Any = None,
                 loop_count: int | None = None, context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None) -> None:
        super().__init__(message=message, result=result, context=context,
                         cached_inputs=cached_inputs)
        self.loop_count = 1 if loop_count is None else loop_count


class Success(Finished):
    """Finished and succeeded."""

    __slots__ = ()
    color = "#28a745"


class Cached(Success):
    """Succeeded by reusing an earlier result instead of running.

    Args:
        cached_parameters: the flow run's parameters when the result was made.
        cached_result_expiration: when the cache stops being valid (None: never).
        hashed_inputs: a hash of each input the result was made from, by input name; cache
            validators compare them with the next run's inputs.
    """

    __slots__ = ("cached_parameters", "cached_result_expiration", "hashed_inputs")
    color = "#34d058"

    def __init__(self, message: str | None = None, result: Any = None,
                 cached_inputs: dict[str, Any] | None = None,
                 cached_parameters: dict[str, Any] | None = None,
                 cached_result_expiration: datetime.datetime | None = None,
                 context: dict[str, Any] | None = None,
                 hashed_inputs: dict[str, str] | None = None) -> None:
        super().__init__(message=message, result=result, context=context,
                         cached_inputs=cached_inputs)
        self.cached_parameters = cached_parameters
        self.cached_result_expiration = _aware(cached_result_expiration)
        self.hashed_inputs = hashed_inputs


class Mapped(Success):
    """A mapped parent: its work is done by its children, whose states are ``map_states``."""

    __slots__ = ("map_states", "_n_map_states")
    color = "#003ccb"

    def __init__(self, message: str | None = None, result: Any = None,
                 map_states: list[State] | None = None, context: dict[str, Any] | None = None,
                 cached_inputs: dict[str, Any] | None = None, n_map_states: int | None = None
                 ) -> None:
        super().__init__(message=message, result=result, context=context,
                         cached_inputs=cached_inputs)
        self.map_states: list[State] = map_states if map_states is not None else []
        self._n_map_states = n_map_states

    @property
    def n_map_states(self) -> int:
        """How many children the mapping has (known before they run)."""
        if self.map_states or self._n_map_states is None:
            return len(self.map_states)
        return self._n_map_states

    @property  # type: ignore[override]
    def result(self) -> list[Any]:
        """The children's results, in map order."""
        return [s.result for s in self.map_states]

    @result.setter
    def result(self, value: Any) -> None:
        # A Mapped state's result is always its children's; a value set here is ignored.
        pass

    def load_result(self, result: Any = None) -> State:
        """Read back each child's value that is not in memory (see ``State.load_result``)."""
        for child in self.map_states:
            child.load_result(result)
        return self


class Skipped(Success):
    """Did not run, by design (a SKIP signal, a skipped upstream, a case not taken)."""

    __slots__ = ()
    color = "#62757f"


class Cancelled(Finished):
    """Stopped by a user before it finished."""

    __slots__ = ()
    color = "#bdbdbd"


class Failed(Finished):
    """Finished and failed."""

    __slots__ = ()
    color = "#eb0000"


class TimedOut(Failed):
    """Ran longer than the task's ``timeout``."""

    __slots__ = ()
    color = "#ff4e33"


class TriggerFailed(Failed):
    """Never ran: its trigger refused the upstream states."""

    __slots__ = ()
    color = "#ff5131"


class ValidationFailed(Failed):
    """Ran, but its result failed validation."""

    __slots__ = ()
    color = "#ff5131"
