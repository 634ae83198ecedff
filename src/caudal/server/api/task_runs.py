"""/api/task-runs: batches of task-run states."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Header, Request

from caudal.server.api.deps import AUTH_ERRORS, RUNNER, database, error, refuse_nul, write
from caudal.server.db.engine import Database
from caudal.server.services import task_runs
from caudal.wire.runs import TaskRunState, TaskRunStatesResult

router = APIRouter(prefix="/api/task-runs", tags=["task runs"], responses=AUTH_ERRORS)


@router.post("/states", dependencies=[RUNNER],
             responses={404: error("A flow run in the batch does not exist.")})
async def write_task_run_states(request: Request,
                                body: list[TaskRunState] = Body(max_length=50_000),
                                idempotency_key: str | None = Header(None, min_length=1,
                                                                     max_length=200),
                                db: Database = Depends(database)) -> TaskRunStatesResult:
    """Write a batch of task-run states in one transaction (all or nothing).

    A batch sent again with the same ``Idempotency-Key`` header (its answer was lost) is
    acknowledged with the first answer's count and not written twice."""
    await refuse_nul(request, body)  # type: ignore[arg-type]
    written = await write(request, task_runs.write_task_run_states, db, body, idempotency_key)
    return TaskRunStatesResult(written=written)
