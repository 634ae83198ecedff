"""Projects: create, list, find by name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Conflict, NotFound
from caudal.server.services.common import new_id, utcnow
from caudal.wire.projects import Project as ProjectOut
from caudal.wire.projects import ProjectCreate

__all__ = ["create_project", "list_projects", "project_by_name"]


def create_project(db: Database, body: ProjectCreate) -> ProjectOut:
    """A new project.

    Raises:
        Conflict: a project with that name exists.
    """
    row = {"id": new_id(), "name": body.name, "description": body.description,
           "created": utcnow()}
    # The name's unique index decides between callers creating it at once: one inserts, the
    # others (waiting for it on PostgreSQL) insert nothing and are told the project exists.
    statement = (db.insert(models.projects).on_conflict_do_nothing(index_elements=["name"])
                 .returning(models.projects.c.id))
    with db.write() as conn:
        if conn.execute(statement, row).first() is None:
            raise Conflict(f"Project '{body.name}' already exists.")
    return ProjectOut(**row)


def list_projects(db: Database) -> list[ProjectOut]:
    projects = models.projects
    counts = (select(models.flow_groups.c.project_id, func.count().label("n"))
              .group_by(models.flow_groups.c.project_id).subquery())
    query = (select(projects, func.coalesce(counts.c.n, 0).label("flow_count"))
             .outerjoin(counts, counts.c.project_id == projects.c.id).order_by(projects.c.name))
    with db.read() as conn:
        return [ProjectOut(**row._asdict()) for row in conn.execute(query)]


def project_by_name(conn: Connection, name: str) -> Any:
    """The project called ``name``.

    Raises:
        NotFound: no such project; the message says how to create it.
    """
    row = conn.execute(select(models.projects).where(models.projects.c.name == name)).first()
    if row is None:
        raise NotFound(f"Project '{name}' does not exist. Create it with "
                       f"'caudal create project \"{name}\"'.")
    return row

