"""/api/logs: batches of log lines (reading is per run, under /api/flow-runs)."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends

from caudal.server.api.deps import AUTH_ERRORS, RUNNER, database, error
from caudal.server.db.engine import Database
from caudal.server.services import logs
from caudal.wire.logs import LogLine, LogsResult

router = APIRouter(prefix="/api/logs", tags=["logs"], responses=AUTH_ERRORS)


@router.post("", dependencies=[RUNNER],
             responses={404: error("A flow run in the batch does not exist.")})
def write_logs(body: list[LogLine] = Body(max_length=100_000),
               db: Database = Depends(database)) -> LogsResult:
    """Write a batch of log lines in one transaction (all or nothing)."""
    return LogsResult(written=logs.write_logs(db, [line.model_dump() for line in body]))
