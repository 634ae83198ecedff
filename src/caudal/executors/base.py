"""Executor: where a flow run's task runs happen (here, in threads, on a Dask cluster)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Executor"]


class Executor:
    """Base class: ``start()`` opens the executor for one flow run; ``submit`` runs work in it.

    ``submit`` returns a future-like object; ``wait`` turns futures (or a structure holding
    them) back into values. Executors that run work inline return plain values from
    ``submit`` and ``wait`` passes them through.
    """

    def __repr__(self) -> str:
        return f"<Executor: {type(self).__name__}>"

    @contextmanager
    def start(self) -> Iterator[None]:
        """Open the executor for the length of a flow run."""
        yield

    def submit(self, fn: Callable[..., Any], *args: Any, extra_context: dict[str, Any] | None = None,
               **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)``; returns its result or a future for it."""
        raise NotImplementedError

    def wait(self, futures: Any) -> Any:
        """Resolve futures (alone or in lists, tuples and dicts) into their values."""
        raise NotImplementedError
