"""The writers' queue: requests that write wait here, not in the threads readers need.

A write transaction can wait a long time for its database (SQLite's one write lock, held by
another process; PostgreSQL row locks). Run in the shared thread pool, sixty such waits would
fill it and leave every read and ``/health`` queued behind them. Writes therefore run in a few
threads of their own (``Database.writer_threads``), queue as cheap coroutines beyond that, and
past ``max_pending`` are refused with a 503 instead of piling up without bound.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from caudal.server.db.engine import Database
from caudal.server.errors import Unavailable

__all__ = ["WriteQueue"]

T = TypeVar("T")


class WriteQueue:
    """Runs service functions that write, each in a writer thread, retrying lost deadlocks.

    Args:
        db: the database the services write to.
        max_pending: how many writes may be running or waiting before new ones get a 503.
    """

    def __init__(self, db: Database, max_pending: int = 1000) -> None:
        self.db = db
        self.max_pending = max_pending
        self.pending = 0
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, job: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``job(*args, **kwargs)`` in a writer thread, through ``Database.retrying``.

        Raises:
            Unavailable: ``max_pending`` writes are already running or waiting.
        """
        if self._limiter is None:  # made in the event loop, where anyio can make one
            self._limiter = anyio.CapacityLimiter(self.db.writer_threads)
        if self.pending >= self.max_pending:
            raise Unavailable(f"The server has {self.pending} writes waiting for the database; "
                              "nothing was written, send this one again in a moment.",
                              retry_after_s=1)
        self.pending += 1
        try:
            call = functools.partial(self.db.retrying, job, *args, **kwargs)
            return await anyio.to_thread.run_sync(call, limiter=self._limiter)
        finally:
            self.pending -= 1
