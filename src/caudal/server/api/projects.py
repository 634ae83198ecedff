"""/api/projects"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from caudal.server.api.deps import ADMIN, AUTH_ERRORS, VIEWER, database, error, write
from caudal.server.db.engine import Database
from caudal.server.services import projects
from caudal.wire.projects import Project, ProjectCreate

router = APIRouter(prefix="/api/projects", tags=["projects"], responses=AUTH_ERRORS)


@router.get("", dependencies=[VIEWER])
def list_projects(db: Database = Depends(database)) -> list[Project]:
    """Every project, by name, with how many flows it holds."""
    return projects.list_projects(db)


@router.post("", status_code=201, dependencies=[ADMIN],
             responses={409: error("A project with that name exists.")})
async def create_project(body: ProjectCreate, request: Request,
                         db: Database = Depends(database)) -> Project:
    return await write(request, projects.create_project, db, body)
