"""Run changes inside the server: who is waiting for a run to change, and who for any run to
become claimable.

Services record each state change on their transaction (``record_change``); the database hands
the changes to ``RunEvents.publish`` once the transaction has committed, so a change is never
announced before others can read it, and never when it was rolled back. Long-polling claims
wait for "a run may be claimable"; a live page or ``--watch`` subscribes to one run's changes.
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

__all__ = ["RunChange", "RunEvents", "record_change"]


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

    def as_json(self) -> dict[str, Any]:
        return {"flow_run_id": self.flow_run_id, "state": self.state, "message": self.message,
                "timestamp": self.timestamp.isoformat()}


def record_change(conn: Connection, change: RunChange) -> None:
    """Announce ``change`` once ``conn``'s transaction commits (``Database`` does it)."""
    conn.info.setdefault(AFTER_COMMIT, []).append(change)


class RunEvents:
    """Delivers committed run changes to waiters; ``publish`` is safe from worker threads."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._claimable: asyncio.Event | None = None
        self._watchers: dict[str, set[asyncio.Queue[RunChange]]] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (done by the app at start-up)."""
        self._loop = loop
        self._claimable = asyncio.Event()

    def publish(self, changes: Iterable[Any]) -> None:
        """Deliver committed changes (the database's after-commit hook)."""
        found = [c for c in changes if isinstance(c, RunChange)]
        if found and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, found)

    def _deliver(self, changes: list[RunChange]) -> None:
        for change in changes:
            for queue in self._watchers.get(change.flow_run_id, ()):
                queue.put_nowait(change)
        if any(change.claimable for change in changes):
            # Every claim waits on the event that was current when it looked for work; a
            # fresh one replaces it, so all of them wake and none misses a later change.
            fired, self._claimable = self._claimable, asyncio.Event()
            if fired is not None:
                fired.set()

    def arm(self) -> asyncio.Event | None:
        """The event the next claimable change will set: take it before looking for work,
        then ``wait`` on it, and a change committed while looking is not missed."""
        return self._claimable

    async def wait(self, timeout_s: float, armed: asyncio.Event | None = None) -> bool:
        """Wait until a run may be claimable (since ``armed`` was taken, if given) or
        ``timeout_s`` passes; whether such a change came."""
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
    def watch(self, flow_run_id: str) -> Iterator[asyncio.Queue[RunChange]]:
        """The changes of one run, as they commit, while the block runs (in the loop)."""
        queue: asyncio.Queue[RunChange] = asyncio.Queue()
        self._watchers.setdefault(flow_run_id, set()).add(queue)
        try:
            yield queue
        finally:
            watchers = self._watchers.get(flow_run_id)
            if watchers is not None:
                watchers.discard(queue)
                if not watchers:
                    del self._watchers[flow_run_id]
