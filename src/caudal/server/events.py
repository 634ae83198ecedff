"""Wake-ups inside the server: a run became due, so long-polling claims look again now."""

from __future__ import annotations

import asyncio

__all__ = ["RunEvents"]


class RunEvents:
    """A broadcast that new runs may be claimable; ``notify`` is safe from worker threads."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (done by the app at start-up)."""
        self._loop = loop
        self._event = asyncio.Event()

    def notify(self) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        # Every waiter holds the event that was current when it started waiting; a fresh one
        # replaces it, so all of them wake and none misses a later notification.
        fired, self._event = self._event, asyncio.Event()
        if fired is not None:
            fired.set()

    def arm(self) -> asyncio.Event | None:
        """The event the next notification will set: take it before looking for work, then
        ``wait`` on it, and a notification sent while looking is not missed."""
        return self._event

    async def wait(self, timeout_s: float, armed: asyncio.Event | None = None) -> bool:
        """Wait until notified (since ``armed`` was taken, if given) or ``timeout_s`` passes;
        whether a notification came."""
        event = armed if armed is not None else self._event
        if event is None:
            await asyncio.sleep(timeout_s)
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
        except TimeoutError:
            return False
        return True
