"""The thin loop around a background job's ``run_once(now)``; it reports liveness to /health."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from caudal.server.services.common import utcnow

__all__ = ["ServiceLoop"]


class ServiceLoop:
    """Runs ``job(now)`` every ``interval_s`` seconds in a worker thread, forever.

    A failing pass is logged and the loop carries on; ``/health`` shows when the job last
    succeeded, so a loop that stalls or keeps failing is visible instead of silent.
    """

    def __init__(self, name: str, job: Callable[[datetime], Any], interval_s: float) -> None:
        self.name = name
        self.job = job
        self.interval_s = interval_s
        self.logger = logging.getLogger(f"caudal.server.{name}")
        self.last_success: datetime | None = None
        self.last_error: str | None = None
        self.passes = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _loop(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.to_thread(self.run_pass)
            # Drift-free: the next pass starts interval_s after this one started.
            await asyncio.sleep(max(0.0, self.interval_s - (time.monotonic() - started)))

    def run_pass(self, now: datetime | None = None) -> Any:
        """One pass of the job, recorded for /health; errors are logged, never raised."""
        try:
            result = self.job(now or utcnow())
        except Exception as exc:  # the loop must survive a bad pass (a database hiccup)
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.logger.exception("%s pass failed; retrying in %.0f s.", self.name,
                                  self.interval_s)
            return None
        self.passes += 1
        self.last_success = utcnow()
        self.last_error = None
        return result

    def health(self, now: datetime | None = None) -> dict[str, Any]:
        """Alive when the last pass succeeded within three intervals (plus a grace); a loop
        that was never started (``run_services`` off) says so and counts as alive."""
        if self._task is None:
            return {"alive": True, "running": False, "interval_s": self.interval_s}
        now = now or utcnow()
        age = (now - self.last_success).total_seconds() if self.last_success else None
        first_pass_pending = self.passes == 0 and self.last_error is None
        alive = not self._task.done() and (
            first_pass_pending or (age is not None and age <= 3 * self.interval_s + 5))
        return {"alive": alive, "running": True, "interval_s": self.interval_s,
                "passes": self.passes,
                "last_success": self.last_success.isoformat() if self.last_success else None,
                "last_error": self.last_error}
