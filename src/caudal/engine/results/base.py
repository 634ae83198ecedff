"""Result: a task's value, where it is (or will be) stored, and how it is serialized.

The base class keeps values in memory only; its subclasses (LocalResult, GCSResult, S3Result,
PrefectResult...) implement ``read``, ``write`` and ``exists`` for one kind of storage.
``read`` and ``write`` never change the Result they are called on: they return a new one with
the value and the final location, so one configured Result serves every task run.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from caudal.engine.serializers import PickleSerializer, Serializer
from caudal.engine.state import ResultBase
from caudal.exceptions import ResultNotImplementedError
from caudal.utilities.logging import get_logger

_LOGGERS: dict[str, Any] = {}


def _logger(name: str) -> Any:
    """``get_logger(name)``, looked up once: a result writes on every checkpointed task."""
    found = _LOGGERS.get(name)
    if found is None:
        found = _LOGGERS[name] = get_logger(name)
    return found

__all__ = ["NoResult", "NoResultType", "Result", "ResultNotImplementedError"]

Location = str | Callable[..., str]


class Result(ResultBase):
    """A value with its location template and serializer; stores nothing by itself.

    Args:
        value: the value the result holds.
        location: where to store it: a template filled from the run context, the
            task's inputs and the flow's parameters when written
            (``"{flow_name}/{task_name}/{map_index}.pkl"``), or a callable that takes
            those as keyword arguments and returns the location.
        serializer: turns the value into bytes and back; ``PickleSerializer()`` by default.

    Example:
        >>> r = Result(location="{flow_name}/{task_name}.pkl")
        >>> r.format(flow_name="etl", task_name="load").location
        'etl/load.pkl'
        >>> r.from_value(42)
        <Result: 42>
    """

    def __init__(
        self,
        value: Any = None,
        location: Location | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        super().__init__(value, None)
        self.serializer = serializer if serializer is not None else PickleSerializer()
        self._formatter: Callable[..., str] | None = None
        if location is None or isinstance(location, str):
            self.location = location
        elif callable(location):
            self._formatter = location
        else:
            raise TypeError(
                f"{type(self).__name__}(location=...) takes a template string or a callable "
                f"returning one, not {type(location).__name__} {location!r}."
            )

    @property
    def logger(self) -> Any:
        return _logger(type(self).__name__)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        assert isinstance(other, Result)
        return _same(self.value, other.value) and self.location == other.location and all(
            _same(v, other.__dict__.get(k)) for k, v in self.__dict__.items()
            if not k.startswith("_")
        )

    __hash__ = object.__hash__

    def copy(self) -> Result:
        """A shallow copy, to change without touching this one."""
        # What copy.copy does for a plain object, without its generic protocol: a result is
        # copied for every checkpointed task.
        new = object.__new__(type(self))
        new.value, new.location = self.value, self.location  # ResultBase's slots
        new.__dict__.update(self.__dict__)
        return new

    @property
    def templated(self) -> bool:
        """Whether writing fills a location template (or callable) with the run's values;
        without one, ``write`` needs no keywords."""
        return self.location is not None or self._formatter is not None

    def with_location(self, location: Location | None) -> Result:
        """A copy whose location is ``location``: a template string, a callable returning
        one (called with the same keywords as ``format``), or None."""
        new = self.copy()
        if callable(location):
            new.location, new._formatter = None, location
        else:
            new.location, new._formatter = location, None
        return new

    def from_value(self, value: Any) -> Result:
        """A copy holding ``value``, with no location (nothing has been written)."""
        new = self.copy()
        new.location = None
        new.value = value
        return new

    @property
    def default_location(self) -> str:
        """Where a result without a location template goes: a new name under today's date."""
        today = datetime.datetime.now(datetime.UTC)
        return f"{today:%Y/%m/%d}/{uuid.uuid4()}.caudal_result"

    def format(self, **kwargs: Any) -> Result:
        """A copy whose location is the template (or callable) filled with ``kwargs``.

        Raises:
            KeyError: the template names a key that ``kwargs`` does not have.
        """
        new = self.copy()
        if isinstance(new.location, str):
            new.location = format_location(new.location, kwargs)
        elif new._formatter is not None:
            new.location = str(new._formatter(**kwargs))
        else:
            new.location = new.default_location
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Whether something is stored at ``location`` (a template filled with ``kwargs``).

        Raises:
            ResultNotImplementedError: this Result type has no storage.
        """
        raise self._no_storage("exists")

    def read(self, location: str) -> Result:
        """A new Result holding the value stored at ``location``.

        Raises:
            ResultNotImplementedError: this Result type has no storage.
        """
        raise self._no_storage("read")

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Store ``value_`` at the location template filled with ``kwargs``; returns a new
        Result holding the value and the final location.

        Raises:
            ResultNotImplementedError: this Result type has no storage.
        """
        raise self._no_storage("write")

    def _no_storage(self, method: str) -> ResultNotImplementedError:
        return ResultNotImplementedError(
            f"{type(self).__name__}.{method}() is not implemented: this Result type keeps "
            "values in memory only. Give the task or flow a Result with storage, such as "
            "result=LocalResult(dir=...), GCSResult(bucket=...) or S3Result(bucket=...)."
        )


class NoResultType(Result):
    """Stands for "no result yet", as opposed to a result whose value is None (0.15 path)."""

    def __repr__(self) -> str:
        return "<No result>"


NoResult = NoResultType()


def format_location(template: str, kwargs: dict[str, Any]) -> str:
    """Fill a location template; a missing key is logged with what to do about it.

    Raises:
        KeyError: the template names a key that ``kwargs`` does not have (the key, as
            ``str.format`` raises it).

    Example:
        >>> format_location("{flow_name}/{map_index}.pkl", {"flow_name": "etl", "map_index": 3})
        'etl/3.pkl'
    """
    try:
        return template.format(**kwargs)
    except KeyError as exc:
        get_logger("Result").error(
            "Result location %r names %r, which is neither in the run context nor an input or "
            "parameter of the task; use keys such as flow_name, task_name, map_index, today, "
            "task_run_id, a parameter or an input name.", template, exc.args[0],
        )
        raise


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # DataFrames refuse to become one bool
        return a is b
