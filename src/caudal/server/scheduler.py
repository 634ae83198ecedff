"""Scheduler: keeps every active schedule's next runs created ahead."""

from __future__ import annotations

import logging
from datetime import datetime

from caudal.server.db.engine import Database
from caudal.server.services.schedules import fill_due_schedules

__all__ = ["Scheduler"]

logger = logging.getLogger("caudal.server.Scheduler")


class Scheduler:
    """``run_once(now)`` tops up each active schedule to ``ahead`` future runs.

    Safe to run in several servers on one PostgreSQL: each run's idempotency key is unique
    per flow, so a second scheduler's insert of the same run does nothing.
    """

    def __init__(self, db: Database, ahead: int = 10) -> None:
        self.db = db
        self.ahead = ahead

    def run_once(self, now: datetime) -> int:
        # New runs are announced to waiting agents by the service that inserts them.
        created = fill_due_schedules(self.db, now, self.ahead)
        if created:
            logger.info("Created %d scheduled flow run(s).", created)
        return created
