"""The run context behind ``caudal.context``: what a task can know about the run it is in.

A thread-local mapping with attribute and item access. ``with caudal.context(key=value):``
adds keys for the block and restores the previous context on exit; the runners use the same
call to set ``flow_name``, ``task_name``, ``map_index``, ``logger`` and the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

__all__ = ["Context", "context"]


class Context(MutableMapping[str, Any]):
    """Thread-local run context.

    Example:
        >>> import caudal
        >>> with caudal.context(source="cli"):
        ...     caudal.context.source, caudal.context["source"]
        ('cli', 'cli')
        >>> caudal.context.get("source") is None
        True
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_local", threading.local())

    def __reduce__(self) -> str:
        # The one run context, by name: a task function pickled by value (a library's
        # ``@task``, whose module name is the task) refers to it, and gets the context of the
        # process it runs in.
        return "context"

    def _data(self) -> dict[str, Any]:
        local = self._local
        try:
            return local.data
        except AttributeError:
            local.data = _base_context()
            return local.data

    # Mapping protocol
    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __contains__(self, key: object) -> bool:
        return key in self._data()

    def get(self, key: str, default: Any = None) -> Any:
        return self._data().get(key, default)

    # Attribute access
    def __getattr__(self, key: str) -> Any:
        try:
            return self._data()[key]
        except KeyError:
            raise AttributeError(f"'Context' object has no attribute '{key}'") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self._data()[key] = value

    def __delattr__(self, key: str) -> None:
        self._data().pop(key, None)

    def __repr__(self) -> str:
        return f"<Context: {sorted(self._data())}>"

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data())

    @contextmanager
    def __call__(self, *args: dict[str, Any], **kwargs: Any) -> Iterator[Context]:
        """Add keys for the duration of a ``with`` block; the previous context comes back after.

        Example:
            >>> with caudal.context({"a": 1}, b=2):
            ...     caudal.context.a + caudal.context.b
            3
        """
        local = self._local
        previous = self._data()
        current = dict(previous)
        for extra in args:
            current.update(extra)
        current.update(kwargs)
        local.data = current
        try:
            yield self
        finally:
            local.data = previous

    def replace(self, data: dict[str, Any]) -> dict[str, Any]:
        """Swap the whole context for ``data`` (the engine's fast path); returns the old one."""
        local = self._local
        previous = self._data()
        local.data = data
        return previous


def _base_context() -> dict[str, Any]:
    from caudal.configuration import config
    from caudal.utilities.logging import get_logger

    return {"config": config, "logger": get_logger()}


context = Context()
