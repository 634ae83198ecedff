"""Reaper: nothing stays Submitted or Running forever.

A Running run whose heartbeat stopped is failed, with a message saying for how long and from
which agent. A Submitted run that never started goes back to the queue (its agent may have
died before launching it), a few times, then fails. A Cancelling run nobody confirms ends
Cancelled. Batch keys older than a day are forgotten (``services.batches``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.batches import forget_old_batch_keys
from caudal.server.services.states import write_state

__all__ = ["Reaper", "ReaperPass"]

logger = logging.getLogger("caudal.server.Reaper")

runs = models.flow_runs
agents = models.agents


@dataclass
class ReaperPass:
    failed: int = 0
    resubmitted: int = 0
    cancelled: int = 0


class Reaper:
    """``run_once(now)`` fails, resubmits or cancels runs that went silent (see module doc)."""

    def __init__(self, db: Database, heartbeat_timeout_s: float = 90.0,
                 submitted_timeout_s: float = 120.0, max_resubmits: int = 3) -> None:
        self.db = db
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.submitted_timeout_s = submitted_timeout_s
        self.max_resubmits = max_resubmits

    def run_once(self, now: datetime) -> ReaperPass:
        result = ReaperPass()
        silent_since = now - timedelta(seconds=self.heartbeat_timeout_s)
        stuck_since = now - timedelta(seconds=self.submitted_timeout_s)
        # A run cancelled while Submitted is Cancelling without ever having sent a
        # heartbeat; it is silent since the cancellation was asked for.
        last_heard = func.coalesce(runs.c.heartbeat, runs.c.state_timestamp)
        query = (select(runs, agents.c.name.label("agent_name"))
                 .outerjoin(agents, agents.c.id == runs.c.agent_id)
                 .where(or_(
                     and_(runs.c.state.in_(("Running", "Cancelling")),
                          last_heard < silent_since),
                     and_(runs.c.state == "Submitted", runs.c.state_timestamp < stuck_since))))
        with self.db.write() as conn:
            for run in conn.execute(query).all():
                self._reap(conn, run, now, result)
        # Here rather than in a loop of its own: one small indexed delete per pass.
        forget_old_batch_keys(self.db, now)
        if result.failed or result.resubmitted or result.cancelled:
            logger.info("Reaper: %d failed, %d resubmitted, %d cancelled.", result.failed,
                        result.resubmitted, result.cancelled)
        return result

    def _reap(self, conn: Any, run: Any, now: datetime, result: ReaperPass) -> None:
        agent = f"agent '{run.agent_name}'" if run.agent_name else "its agent"
        if run.state == "Submitted":
            waited = (now - run.state_timestamp).total_seconds()
            if run.times_resurrected < self.max_resubmits:
                message = (f"Resubmitted by the reaper: {agent} took it {waited:.0f} s ago "
                           f"and it never started (limit {self.submitted_timeout_s:.0f} s).")
                if write_state(conn, run, "Scheduled", message, now,
                               extra={"times_resurrected": run.times_resurrected + 1}):
                    result.resubmitted += 1
                return
            message = (f"Marked Failed by the reaper: {agent} took it {waited:.0f} s ago and "
                       f"it never started, after {run.times_resurrected} resubmissions.")
            if write_state(conn, run, "Failed", message, now):
                result.failed += 1
            return
        silent = (now - (run.heartbeat or run.state_timestamp)).total_seconds()
        if run.state == "Cancelling":
            message = (f"Cancelled: {agent} sent no heartbeat for {silent:.0f} s after the "
                       "cancellation was requested.")
            if write_state(conn, run, "Cancelled", message, now):
                result.cancelled += 1
            return
        message = (f"Marked Failed by the reaper: no heartbeat for {silent:.0f} s "
                   f"(limit {self.heartbeat_timeout_s:.0f} s) from {agent}.")
        if write_state(conn, run, "Failed", message, now):
            result.failed += 1
