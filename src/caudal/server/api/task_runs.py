"""/api/task-runs: batches of task-run states."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends

from caudal.server.api.deps import AUTH_ERRORS, RUNNER, database, error
from caudal.server.db.engine import Database
from caudal.server.services import task_runs
from caudal.wire.runs import TaskRunState, TaskRunStatesResult

router = APIRouter(prefix="/api/task-runs", tags=["task runs"], responses=AUTH_ERRORS)


@router.post("/states", dependencies=[RUNNER],
             responses={404: error("A flow run in the batch does not exist.")})
def write_task_run_states(body: list[TaskRunState] = Body(max_length=50_000),
                          db: Database = Depends(database)) -> TaskRunStatesResult:
    """Write a batch of task-run states in one transaction (all or nothing)."""
    written = task_runs.write_task_run_states(db, [s.model_dump() for s in body])
    return TaskRunStatesResult(written=written)
