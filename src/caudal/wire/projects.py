"""Projects: named folders of flows."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from caudal.wire._base import Model, Name

__all__ = ["Project", "ProjectCreate"]

class ProjectCreate(Model):
    name: Name
    description: str | None = Field(default=None, max_length=10_000)


class Project(Model):
    id: str
    name: str
    description: str | None = None
    created: datetime
    flow_count: int = 0
