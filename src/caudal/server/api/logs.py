"""/api/logs: batches of log lines (reading is per run, under /api/flow-runs)."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Header, Request

from caudal.server.api.deps import AUTH_ERRORS, RUNNER, database, error, refuse_nul, write
from caudal.server.db.engine import Database
from caudal.server.services import logs
from caudal.wire.logs import LogLine, LogsResult

router = APIRouter(prefix="/api/logs", tags=["logs"], responses=AUTH_ERRORS)


@router.post("", dependencies=[RUNNER],
             responses={404: error("A flow run in the batch does not exist.")})
async def write_logs(request: Request, body: list[LogLine] = Body(max_length=100_000),
                     idempotency_key: str | None = Header(None, min_length=1, max_length=200),
                     db: Database = Depends(database)) -> LogsResult:
    """Write a batch of log lines in one transaction (all or nothing).

    A batch sent again with the same ``Idempotency-Key`` header (its answer was lost) is
    acknowledged with the first answer's count and not written twice."""
    await refuse_nul(request, body)  # type: ignore[arg-type]
    written = await write(request, logs.write_logs, db, body, idempotency_key)
    return LogsResult(written=written)
