"""Log lines: batches written in one transaction, pages read back by run, level and text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Invalid
from caudal.server.events import LogsWritten, record_change
from caudal.server.services.batches import record_batch_key
from caudal.server.services.common import as_utc, decode_cursor, encode_cursor, utcnow
from caudal.server.services.flow_runs import check_flow_runs_exist, flow_run_row
from caudal.wire.logs import LogRecord

__all__ = ["query_logs", "write_logs"]

logs = models.logs


def write_logs(db: Database, lines: list[dict[str, Any]], batch_key: str | None = None) -> int:
    """Write a batch of log lines (dicts shaped like ``wire.logs.LogLine``).

    A batch whose ``batch_key`` was written before is not written again (see ``batches``).

    Raises:
        NotFound: a line names a flow run that does not exist (nothing is written).
    """
    if not lines:
        return 0
    rows = [{"flow_run_id": line["flow_run_id"], "task_slug": line.get("task_slug"),
             "map_index": line.get("map_index"), "timestamp": as_utc(line["timestamp"]),
             "level": line["level"], "name": line.get("name") or "caudal",
             "message": line["message"]} for line in lines]
    with db.write() as conn:
        check_flow_runs_exist(conn, {r["flow_run_id"] for r in rows})
        if batch_key is not None:
            done = record_batch_key(db, conn, batch_key, len(rows), utcnow())
            if done is not None:
                return done
        db.append_rows(conn, logs, rows)
        # Followers of these runs' logs (``/logs/stream``) read again once this commits.
        record_change(conn, LogsWritten(frozenset(r["flow_run_id"] for r in rows)))
    return len(rows)


def query_logs(db: Database, flow_run_id: str, *, level: int = 0, text: str | None = None,
               task_slug: str | None = None, cursor: str | None = None,
               limit: int = 200) -> tuple[list[LogRecord], str | None]:
    """A run's log lines oldest first, from ``level`` up, containing ``text`` (any case).

    Raises:
        NotFound: no such flow run; Invalid: a cursor this server did not make.
    """
    query = select(logs).where(logs.c.flow_run_id == flow_run_id)
    if level:
        query = query.where(logs.c.level >= level)
    if text:
        query = query.where(func.lower(logs.c.message).contains(text.lower(), autoescape=True))
    if task_slug is not None:
        query = query.where(logs.c.task_slug == task_slug)
    if cursor is not None:
        (after,) = decode_cursor(cursor, 1)
        # bool is an int in Python, not in SQL; ids are positive 64-bit integers.
        if type(after) is not int or not 0 <= after < 2**63:
            raise Invalid(f"Cursor '{cursor[:60]}' is not valid: it is not a cursor of log "
                          "lines.")
        query = query.where(logs.c.id > after)
    query = query.order_by(logs.c.id).limit(limit + 1)
    with db.read() as conn:
        flow_run_row(conn, flow_run_id)
        rows = conn.execute(query).all()
    items = [LogRecord(**r._asdict()) for r in rows[:limit]]
    # Following a run's logs means asking again from the last line seen, so a cursor is
    # always given when there are lines, even on the last page.
    next_cursor = encode_cursor(items[-1].id) if items else cursor
    return items, next_cursor
