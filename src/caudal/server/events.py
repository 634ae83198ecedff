"""Run changes inside the server: who is waiting for a run to change, and who for any run to
become claimable.

Services record each state change on their transaction (``record_change``); the database hands
the changes to ``RunEvents.publish`` once the transaction has committed, so a change is never
announced before others can read it, and never when it was rolled back. Long-polling claims
wait for "a run may be claimable"; a live page or ``--watch`` subscribes to one run's changes,
and a page following a run's logs to "lines of this run were written" (``LogsWritten``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from caudal.server.db.engine import AFTER_COMMIT
from caudal.wire.states import CLAIMABLE_STATES

__all__ = ["CLAIMS_WAKE", "LogsWritten", "RunChange", "RunEvents", "record_change"]


@dataclass(frozen=True)
class RunChange:
    """A flow run moved to ``state``."""

    flow_run_id: str
    state: str
    message: str | None
    timestamp: datetime

    @property
    def claimable(self) -> bool:
        """Whether an agent may take the run now or later."""
        return self.state in CLAIMABLE_STATES

    @classmethod
    def of(cls, run: Any) -> RunChange:
        """The state a run (a ``FlowRun``) is in now, as a change to it."""
        return cls(run.id, run.state, run.state_message, run.state_timestamp)

    def as_json(self) -> dict[str, Any]:
        return {"flow_run_id": self.flow_run_id, "state": self.state, "message": self.message,
                "timestamp": self.timestamp.isoformat()}


@dataclass(frozen=True)
class LogsWritten:
    """Log lines of these flow runs were written (one committed batch)."""

    flow_run_ids: frozenset[str]


CLAIMS_WAKE = "claims"
"""A change that concerns waiting claims without changing a run (an agent is stopping)."""


def record_change(conn: Connection, change: RunChange | LogsWritten | str) -> None:
    """Announce ``change`` once ``conn``'s transaction commits (``Database`` does it)."""
    conn.info.setdefault(AFTER_COMMIT, []).append(change)


class RunEvents:
    """Delivers committed run changes to waiters; ``publish`` is safe from worker threads."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._claimable: asyncio.Event | None = None
        self._watchers: dict[str, set[asyncio.Queue[RunChange | None]]] = {}
        self._log_watchers: dict[str, set[asyncio.Queue[Any]]] = {}
        self.closing = False
        """Set when the server shuts down: waiting claims and streams end at once."""

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (done by the app at start-up)."""
        self._loop = loop
        self._claimable = asyncio.Event()

    def publish(self, changes: Iterable[Any]) -> None:
        """Deliver committed changes (the database's after-commit hook)."""
        # Lines nobody follows cost no hop to the loop: a follower subscribes before it reads,
        # so a batch committed before it was in the set is in what it reads.
        found = [c for c in changes if isinstance(c, RunChange) or c == CLAIMS_WAKE
                 or (isinstance(c, LogsWritten)
                     and any(i in self._log_watchers for i in c.flow_run_ids))]
        if found and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, found)

    def _deliver(self, changes: list[RunChange | LogsWritten | str]) -> None:
        for change in changes:
            if isinstance(change, RunChange):
                for queue in self._watchers.get(change.flow_run_id, ()):
                    queue.put_nowait(change)
            elif isinstance(change, LogsWritten):
                for flow_run_id in change.flow_run_ids:
                    for queue in self._log_watchers.get(flow_run_id, ()):
                        queue.put_nowait(change)
        if any(change == CLAIMS_WAKE or (isinstance(change, RunChange) and change.claimable)
               for change in changes):
            # Every claim waits on the event that was current when it looked for work; a
            # fresh one replaces it, so all of them wake and none misses a later change.
            fired, self._claimable = self._claimable, asyncio.Event()
            if fired is not None:
                fired.set()

    def close(self) -> None:
        """The server is shutting down (call in the loop): wake every waiting claim, and end
        every stream (their queues get ``None``), so that no request holds the shutdown."""
        self.closing = True
        if self._claimable is not None:
            self._claimable.set()
        for queues in [*self._watchers.values(), *self._log_watchers.values()]:
            for queue in queues:
                queue.put_nowait(None)

    def arm(self) -> asyncio.Event | None:
        """The event the next claimable change will set: take it before looking for work,
        then ``wait`` on it, and a change committed while looking is not missed."""
        return self._claimable

    async def wait(self, timeout_s: float, armed: asyncio.Event | None = None) -> bool:
        """Wait until a run may be claimable (since ``armed`` was taken, if given) or
        ``timeout_s`` passes; whether such a change came."""
        if self.closing:
            return False
        event = armed if armed is not None else self._claimable
        if event is None:
            await asyncio.sleep(timeout_s)
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    @contextmanager
    def watch(self, flow_run_id: str) -> Iterator[asyncio.Queue[RunChange | None]]:
        """The changes of one run, as they commit, while the block runs (in the loop);
        ``None`` when the server shuts down."""
        queue: asyncio.Queue[RunChange | None] = asyncio.Queue()
        with _subscribed(self._watchers, flow_run_id, queue, self.closing):
            yield queue

    @contextmanager
    def watch_logs(self, flow_run_id: str,
                   queue: asyncio.Queue[Any] | None = None) -> Iterator[asyncio.Queue[Any]]:
        """A ``LogsWritten`` each time lines of one run commit, while the block runs (in the
        loop); ``None`` when the server shuts down. Pass the queue of ``watch`` as ``queue``
        to wait for either on one queue."""
        queue = asyncio.Queue() if queue is None else queue
        with _subscribed(self._log_watchers, flow_run_id, queue, self.closing):
            yield queue


@contextmanager
def _subscribed(watchers: dict[str, set[Any]], flow_run_id: str, queue: asyncio.Queue[Any],
                closing: bool) -> Iterator[None]:
    """``queue`` in ``watchers[flow_run_id]`` while the block runs."""
    if closing:
        queue.put_nowait(None)
    watchers.setdefault(flow_run_id, set()).add(queue)
    try:
        yield
    finally:
        queues = watchers.get(flow_run_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del watchers[flow_run_id]
