"""/api/flow-runs: create, read, list, state, rename, cancel, heartbeat, delete."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from caudal.server.api.deps import (
    ADMIN,
    AUTH_ERRORS,
    RUNNER,
    VIEWER,
    database,
    error,
    json_response,
    query_name,
    write,
)
from caudal.server.db.engine import Database
from caudal.server.events import RunChange
from caudal.server.services import flow_runs, logs, states, task_runs, waits
from caudal.wire._base import Page
from caudal.wire.logs import LogRecord
from caudal.wire.runs import (
    FlowRun,
    FlowRunCreate,
    FlowRunRename,
    RunWait,
    StateRecord,
    StateSet,
    TaskRun,
)
from caudal.wire.states import STATE_KINDS, StateKind

router = APIRouter(prefix="/api/flow-runs", tags=["flow runs"], responses=AUTH_ERRORS)
NOT_FOUND = {404: error("No flow run has that id.")}
CONFLICT = {409: error("The lifecycle does not allow it, or the run changed.")}


@router.post("", status_code=201, dependencies=[RUNNER],
             responses={200: {"description": "A run with this idempotency key exists.",
                              "model": FlowRun},
                        404: error("No such flow."), **CONFLICT})
async def create_flow_run(body: FlowRunCreate, request: Request,
                          db: Database = Depends(database)) -> FlowRun:
    """A new Scheduled run (by default due now); an existing idempotency key returns its run."""
    run, created = await write(request, flow_runs.create_flow_run, db, body)
    return json_response(run, 201 if created else 200)  # type: ignore[return-value]


@router.get("", dependencies=[VIEWER])
def list_flow_runs(flow_id: str | None = Query(None, max_length=100),
                   flow_group_id: str | None = Query(None, max_length=100),
                   flow_name: str | None = Query(None, max_length=500),
                   project: str | None = Query(None, max_length=200),
                   state: list[str] | None = Query(None, max_length=50),
                   limit: int = Query(50, ge=1, le=500),
                   cursor: str | None = Query(None, max_length=1000),
                   parent_flow_run_id: str | None = Query(None, max_length=100),
                   db: Database = Depends(database)) -> Page[FlowRun]:
    """Runs newest first (by scheduled start); pass ``next_cursor`` back for the next page.
    ``parent_flow_run_id`` lists the runs a flow run started (its children)."""
    items, next_cursor = flow_runs.list_flow_runs(
        db, flow_id=flow_id, flow_group_id=flow_group_id,
        flow_name=query_name(flow_name, "flow_name"), project=query_name(project, "project"),
        states=state, limit=limit, cursor=cursor, parent_flow_run_id=parent_flow_run_id)
    return json_response(Page[FlowRun](items=items, next_cursor=next_cursor))  # type: ignore[return-value]


@router.get("/{flow_run_id}", dependencies=[VIEWER], responses=NOT_FOUND)
def get_flow_run(flow_run_id: str, db: Database = Depends(database)) -> FlowRun:
    return json_response(flow_runs.get_flow_run(db, flow_run_id))  # type: ignore[return-value]


@router.patch("/{flow_run_id}", dependencies=[RUNNER], responses=NOT_FOUND)
async def rename_flow_run(flow_run_id: str, body: FlowRunRename, request: Request,
                          db: Database = Depends(database)) -> FlowRun:
    return await write(request, flow_runs.rename_flow_run, db, flow_run_id, body.name)


@router.delete("/{flow_run_id}", status_code=204, dependencies=[ADMIN], responses=NOT_FOUND)
async def delete_flow_run(flow_run_id: str, request: Request,
                          db: Database = Depends(database)) -> Response:
    """Delete a run with its states, task runs and logs."""
    await write(request, flow_runs.delete_flow_run, db, flow_run_id)
    return Response(status_code=204)


@router.post("/{flow_run_id}/state", dependencies=[RUNNER],
             responses={**NOT_FOUND, **CONFLICT})
async def set_flow_run_state(flow_run_id: str, body: StateSet, request: Request,
                             db: Database = Depends(database)) -> FlowRun:
    """Move the run to a new state, following Prefect's lifecycle."""
    return await write(request, states.set_flow_run_state, db, flow_run_id, body)


@router.get("/{flow_run_id}/why", dependencies=[VIEWER], responses=NOT_FOUND)
def why_waiting(flow_run_id: str, db: Database = Depends(database)) -> RunWait:
    """Why the run has not started: not due yet, schedule paused, no agent with its labels,
    or none seen lately."""
    return waits.why_waiting(db, flow_run_id)


@router.get("/{flow_run_id}/states", dependencies=[VIEWER], responses=NOT_FOUND)
def list_states(flow_run_id: str, db: Database = Depends(database)) -> list[StateRecord]:
    """The run's state history, oldest first."""
    return flow_runs.list_states(db, flow_run_id)


@router.post("/{flow_run_id}/cancel", dependencies=[RUNNER],
             responses={**NOT_FOUND, **CONFLICT})
async def cancel_flow_run(flow_run_id: str, request: Request,
                          db: Database = Depends(database)) -> FlowRun:
    """Cancel at once if not started; ask the agent to stop it (Cancelling) if running.

    200 means the run is now Cancelled or Cancelling; a run that finished first is a 409."""
    return await write(request, states.cancel_flow_run, db, flow_run_id)


@router.post("/{flow_run_id}/heartbeat", dependencies=[RUNNER],
             responses={**NOT_FOUND, **CONFLICT})
async def heartbeat(flow_run_id: str, request: Request,
                    db: Database = Depends(database)) -> FlowRun:
    """The run's process is alive. The answer is the run: Cancelling means stop it."""
    return await write(request, states.record_heartbeat, db, flow_run_id)


KEEP_ALIVE_S = 15.0
"""A stream of events sends a comment this often when nothing happens, so proxies keep it."""


@router.get("/{flow_run_id}/events", dependencies=[VIEWER], responses={
    **NOT_FOUND, 200: {"description": "Server-Sent Events: the run's state now, then each "
                                       "change, until it finishes.",
                       "content": {"text/event-stream": {}}}})
async def watch_flow_run(flow_run_id: str, request: Request,
                         max_s: float = Query(3600.0, gt=0, le=86_400),
                         db: Database = Depends(database)) -> StreamingResponse:
    """Follow a run's states as Server-Sent Events (``event: state``, JSON ``data`` with
    ``flow_run_id``, ``state``, ``message``, ``timestamp``): its state now, then every
    change this server commits, ending after a finished state, or after ``max_s`` seconds
    (connect again to go on)."""
    events = request.app.state.run_events
    # Subscribed before reading the run, so that no change between the two is missed.
    watching = events.watch(flow_run_id)
    changes = watching.__enter__()
    try:
        run = await anyio.to_thread.run_sync(flow_runs.get_flow_run, db, flow_run_id)
    except BaseException:
        watching.__exit__(None, None, None)
        raise

    async def stream() -> AsyncIterator[str]:
        deadline = anyio.current_time() + max_s
        try:
            current = RunChange.of(run).as_json()
            while True:
                yield f"event: state\ndata: {json.dumps(current)}\n\n"
                if STATE_KINDS[current["state"]] is StateKind.FINISHED:
                    return
                while True:
                    remaining = deadline - anyio.current_time()
                    if remaining <= 0:
                        return
                    try:
                        with anyio.fail_after(min(KEEP_ALIVE_S, remaining)):
                            change = await changes.get()
                        break
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield ": keep-alive\n\n"
                if change is None:
                    return  # the server is shutting down; the reader connects again
                current = change.as_json()
        finally:
            watching.__exit__(None, None, None)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


@router.get("/{flow_run_id}/task-runs", dependencies=[VIEWER], responses=NOT_FOUND)
def list_task_runs(flow_run_id: str, db: Database = Depends(database)) -> list[TaskRun]:
    return task_runs.list_task_runs(db, flow_run_id)


@router.get("/{flow_run_id}/logs", dependencies=[VIEWER], responses=NOT_FOUND)
def query_logs(flow_run_id: str, level: int = Query(0, ge=0, le=100),
               text: str | None = Query(None, max_length=1000),
               task_slug: str | None = Query(None, max_length=500),
               cursor: str | None = Query(None, max_length=1000),
               limit: int = Query(200, ge=1, le=5000),
               db: Database = Depends(database)) -> Page[LogRecord]:
    """The run's log lines, oldest first. ``next_cursor`` is given whenever lines were
    returned, so a follower asks again with it; a page shorter than ``limit`` is the end."""
    items, next_cursor = logs.query_logs(db, flow_run_id, level=level, text=text,
                                         task_slug=task_slug, cursor=cursor, limit=limit)
    return json_response(Page[LogRecord](items=items, next_cursor=next_cursor))  # type: ignore[return-value]
