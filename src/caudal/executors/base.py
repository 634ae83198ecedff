"""Executor: where a flow run's task runs happen (inline, in a pool, on a Dask cluster).

The flow runner hands each ready task run to ``submit`` and learns of its end through the
future's ``add_done_callback``; an executor that runs work inline (``inline = True``) returns
the task's state itself, and the runner carries on without waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Executor"]


class Executor:
    """Base class: ``start()`` opens the executor for one flow run; ``submit`` runs work in it.

    Subclasses set ``inline`` (work runs in the caller's thread, ``submit`` returns the value)
    and ``shares_memory`` (work runs in this process, so the run context need not be pickled).
    """

    inline = False
    shares_memory = True

    def __repr__(self) -> str:
        return f"<Executor: {type(self).__name__}>"

    @contextmanager
    def start(self) -> Iterator[None]:
        """Open the executor for the length of a flow run."""
        yield

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)``; returns its result (inline) or a future for it.

        A future has ``add_done_callback(callback)`` and ``result()``, as
        ``concurrent.futures.Future`` and ``distributed.Future`` both do.
        """
        raise NotImplementedError

    def children_per_submit(self, n_children: int) -> int:
        """How many of a mapped task's ``n_children`` to hand over in one ``submit``.

        One by default. A pool with a fixed number of workers batches them so that each
        worker gets several turns (load stays balanced) but far fewer hand-offs.
        """
        return 1

    def wait(self, futures: Any) -> Any:
        """Resolve futures (alone or in lists, tuples and dicts) into their values."""
        if isinstance(futures, list | tuple):
            return type(futures)(self.wait(f) for f in futures)
        if isinstance(futures, dict):
            return {k: self.wait(v) for k, v in futures.items()}
        if hasattr(futures, "add_done_callback") and hasattr(futures, "result"):
            return futures.result()
        return futures
