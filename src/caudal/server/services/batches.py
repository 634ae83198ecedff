"""Batch keys: a log or task-state batch sent again is acknowledged, not written twice.

A runner whose answer was lost (a dropped connection, a 503 while the database restarted)
sends the same batch again with the same ``Idempotency-Key``. The key is recorded in the
batch's own transaction, so it exists exactly when the batch was written; keys are forgotten
after a day, long after any sender has given up resending.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from caudal.server.db import models
from caudal.server.db.engine import Database

__all__ = ["KEEP_BATCH_KEYS", "forget_old_batch_keys", "record_batch_key"]

keys = models.batch_keys

KEEP_BATCH_KEYS = timedelta(days=1)
"""How long a batch key is remembered."""


def record_batch_key(db: Database, conn: Connection, key: str, written: int,
                     now: datetime) -> int | None:
    """Record ``key`` for a batch about to be written in ``conn``'s transaction.

    Returns:
        None when the key is new (write the batch); otherwise how many items the batch wrote
        the first time (write nothing).
    """
    # On PostgreSQL a second sender of the key waits here until the first commits or rolls
    # back, so it sees the key only if the batch really was written.
    statement = (db.insert(keys).on_conflict_do_nothing(index_elements=["key"])
                 .returning(keys.c.key))
    if conn.execute(statement, {"key": key, "written": written, "created": now}).first():
        return None
    return conn.execute(select(keys.c.written).where(keys.c.key == key)).scalar_one()


def forget_old_batch_keys(db: Database, now: datetime) -> int:
    """Delete the keys older than ``KEEP_BATCH_KEYS``; how many were deleted."""
    with db.write() as conn:
        return conn.execute(delete(keys).where(keys.c.created < now - KEEP_BATCH_KEYS)).rowcount
