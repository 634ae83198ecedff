"""/api/flows: registration, versions, archiving, schedule switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from caudal.server.api.deps import (
    ADMIN,
    AUTH_ERRORS,
    VIEWER,
    database,
    error,
    query_name,
    write,
)
from caudal.server.db.engine import Database
from caudal.server.services import flows, registration, schedules
from caudal.wire.flows import FlowRegistration, FlowVersion, RegistrationResult, ScheduleState

router = APIRouter(prefix="/api/flows", tags=["flows"], responses=AUTH_ERRORS)
NOT_FOUND = {404: error("No flow has that id.")}


@router.post("/register", dependencies=[ADMIN], status_code=201,
             responses={200: {"description": "Unchanged: skipped.", "model": RegistrationResult},
                        404: error("No such project.")})
async def register_flow(body: FlowRegistration, request: Request, response: Response,
                        db: Database = Depends(database)) -> RegistrationResult:
    """Store a new version of a flow, or skip it when nothing changed (200)."""
    result = await write(request, registration.register_flow, db, body,
                         request.app.state.settings.scheduled_runs_ahead)
    if result.status == "skipped":
        response.status_code = 200
    return result


@router.get("", dependencies=[VIEWER])
def list_flows(project: str | None = Query(None, max_length=200),
               name: str | None = Query(None, max_length=500),
               flow_group_id: str | None = Query(None, max_length=100),
               include_archived: bool = False,
               db: Database = Depends(database)) -> list[FlowVersion]:
    """The latest version of every flow (every version with ``include_archived``)."""
    return flows.list_flows(db, project=query_name(project, "project"),
                            name=query_name(name, "name"), flow_group_id=flow_group_id,
                            include_archived=include_archived)


@router.get("/{flow_id}", dependencies=[VIEWER], responses=NOT_FOUND)
def get_flow(flow_id: str, db: Database = Depends(database)) -> FlowVersion:
    return flows.get_flow(db, flow_id)


@router.get("/{flow_id}/versions", dependencies=[VIEWER], responses=NOT_FOUND)
def list_versions(flow_id: str, db: Database = Depends(database)) -> list[FlowVersion]:
    """Every version of this flow, newest first."""
    return flows.list_versions(db, flow_id)


@router.get("/{flow_id}/source", dependencies=[VIEWER], responses=NOT_FOUND)
def flow_source(flow_id: str, db: Database = Depends(database)) -> dict[str, str | None]:
    """The flow file's text as registered."""
    return {"source": flows.flow_source(db, flow_id)}


@router.post("/{flow_id}/archive", dependencies=[ADMIN], responses=NOT_FOUND)
async def archive_flow(flow_id: str, request: Request,
                       db: Database = Depends(database)) -> FlowVersion:
    return await write(request, flows.archive_flow, db, flow_id)


# Schedule switches are an admin's: switching off deletes the flow's future runs, and
# deleting a single run already needs admin.
@router.post("/{flow_id}/schedule/activate", dependencies=[ADMIN], responses=NOT_FOUND)
async def activate_schedule(flow_id: str, request: Request,
                            db: Database = Depends(database)) -> ScheduleState:
    """Switch the flow's schedule on; its next runs are created now."""
    return await write(request, schedules.set_schedule_active, db, flow_id, True,
                       request.app.state.settings.scheduled_runs_ahead)


@router.post("/{flow_id}/schedule/deactivate", dependencies=[ADMIN], responses=NOT_FOUND)
async def deactivate_schedule(flow_id: str, request: Request,
                              db: Database = Depends(database)) -> ScheduleState:
    """Switch the flow's schedule off; its future scheduled runs are deleted."""
    return await write(request, schedules.set_schedule_active, db, flow_id, False,
                       request.app.state.settings.scheduled_runs_ahead)
