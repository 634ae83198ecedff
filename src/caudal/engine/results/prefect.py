"""PrefectResult: a small JSON value kept in the location string itself (0.15 name).

Nothing is written anywhere: the location *is* the value, serialized, so it travels with the
task run's state to the server. Parameters use it; use it for small JSON-able values.
"""

from __future__ import annotations

from typing import Any

from caudal.engine.results.base import Result
from caudal.engine.serializers import DateTimeSerializer, JSONSerializer, Serializer

__all__ = ["PrefectResult"]


class PrefectResult(Result):
    """A result whose location is its JSON text.

    Args:
        **kwargs: ``value``, ``location`` and ``serializer`` (``JSONSerializer`` by default,
            or ``DateTimeSerializer``), as for ``Result``.

    Raises:
        TypeError: the serializer is neither a JSONSerializer nor a DateTimeSerializer.

    Example:
        >>> PrefectResult().write({"n": 1}).location
        '{"n": 1}'
        >>> PrefectResult().read("[1, 2]").value
        [1, 2]
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", JSONSerializer())
        super().__init__(**kwargs)

    @property
    def serializer(self) -> Serializer:
        return self._serializer

    @serializer.setter
    def serializer(self, value: Serializer) -> None:
        if not isinstance(value, JSONSerializer | DateTimeSerializer):
            raise TypeError(
                f"PrefectResult keeps its value as text in the location, so it takes a "
                f"JSONSerializer or DateTimeSerializer, not {type(value).__name__}; use "
                "LocalResult, GCSResult or S3Result for other values."
            )
        self._serializer = value

    def read(self, location: str) -> Result:
        """A new PrefectResult holding the value that ``location`` (its text) stands for."""
        new = self.copy()
        new.value = self.serializer.deserialize(location.encode("utf-8"))
        new.location = location
        return new

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """A new PrefectResult whose location is ``value_`` serialized; ``kwargs`` are unused.

        Raises:
            TypeError: the value cannot be serialized as JSON.
        """
        new = self.copy()
        new.value = value_
        new.location = self.serializer.serialize(value_).decode("utf-8")
        return new

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Whether ``location`` is text this result's serializer can read."""
        try:
            self.serializer.deserialize(location.encode("utf-8"))
        except Exception:
            return False
        return True
