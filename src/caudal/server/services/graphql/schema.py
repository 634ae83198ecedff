"""The GraphQL subset's types: Prefect Server's (Hasura) field names mapped onto caudal's tables.

Each ``ObjectType`` names its table, its scalar fields (a column, or an expression over the
table's alias) and its relations to other types (an object: one row; an array: many rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, select

from caudal.server.db import models

__all__ = ["TYPES", "GraphQLError", "Kind", "ObjectType", "Relation", "Scalar",
           "unsupported"]


class GraphQLError(Exception):
    """A request the GraphQL subset cannot answer; its message goes in the answer's
    ``errors``, with the query's ``locations`` when the parser gave them."""

    def __init__(self, message: str, locations: list[dict[str, int]] | None = None,
                 path: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locations = locations
        self.path = path

    def as_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.locations:
            error["locations"] = self.locations
        if self.path:
            error["path"] = self.path
        return error


def unsupported(what: str, name: str, where: str) -> GraphQLError:
    """The error for a name outside the subset: ``what`` 'x' is not supported on ``where``."""
    return GraphQLError(f"The {what} '{name}' is not supported on '{where}' by caudal's "
                        "GraphQL endpoint; see its list of fields, or use the REST API.")


class Kind(Enum):
    """What a scalar holds, which says which values and operators a filter may use."""

    ID = "uuid"
    TEXT = "String"
    TIME = "timestamptz"
    INT = "Int"
    BOOL = "Boolean"
    JSON = "jsonb"


Expression = Callable[[FromClause], ColumnElement[Any]]


@dataclass(frozen=True)
class Scalar:
    kind: Kind
    expression: Expression


@dataclass(frozen=True)
class Relation:
    """Rows of ``target`` whose field ``remote`` equals ``local`` of this row; ``many``:
    an array relation (all such rows), else an object relation (one row or null)."""

    target: str
    local: Expression
    remote: str
    many: bool = False


@dataclass(frozen=True)
class ObjectType:
    name: str
    table: Table
    scalars: dict[str, Scalar]
    relations: dict[str, Relation] = field(default_factory=dict)

    def scalar(self, name: str) -> Scalar:
        found = self.scalars.get(name)
        if found is None:
            raise unsupported("field", name, self.name)
        return found


def _column(kind: Kind, name: str) -> Scalar:
    return Scalar(kind, lambda table: table.c[name])


def _columns(**kinds: Kind) -> dict[str, Scalar]:
    return {name: _column(kind, name) for name, kind in kinds.items()}


def _group_project_id(flows: FromClause) -> ColumnElement[Any]:
    # A flow's project is its flow group's. Correlated by name: automatic correlation looks
    # only one SELECT out, and this may sit deeper (a where on flow_run.flow.project).
    groups = models.flow_groups.alias()
    return (select(groups.c.project_id).where(groups.c.id == flows.c.flow_group_id)
            .correlate(flows).scalar_subquery())


ID, TEXT, TIME, INT, BOOL, JSON = Kind.ID, Kind.TEXT, Kind.TIME, Kind.INT, Kind.BOOL, Kind.JSON

TYPES: dict[str, ObjectType] = {
    "flow_run": ObjectType(
        "flow_run", models.flow_runs,
        {**_columns(id=ID, name=TEXT, flow_id=ID, flow_group_id=ID, state=TEXT, state_message=TEXT,
                    state_timestamp=TIME, start_time=TIME, end_time=TIME,
                    scheduled_start_time=TIME, created=TIME, heartbeat=TIME, parameters=JSON,
                    context=JSON, labels=JSON, version=INT, idempotency_key=TEXT,
                    auto_scheduled=BOOL, times_resurrected=INT, agent_id=ID,
                    parent_flow_run_id=ID),
         # caudal keeps no update time; a run changes with its state.
         "updated": _column(TIME, "state_timestamp")},
        {"flow": Relation("flow", lambda t: t.c.flow_id, "id"),
         "task_runs": Relation("task_run", lambda t: t.c.id, "flow_run_id", many=True)}),
    "flow": ObjectType(
        "flow", models.flows,
        {**_columns(id=ID, name=TEXT, version=INT, archived=BOOL, flow_group_id=ID,
                    created=TIME, description=TEXT, labels=JSON, parameters=JSON,
                    storage=JSON, run_config=JSON, schedule=JSON),
         "serialized_flow": _column(JSON, "serialized"),
         "version_group_id": _column(ID, "flow_group_id"),
         "project_id": Scalar(ID, _group_project_id)},
        {"project": Relation("project", _group_project_id, "id"),
         "flow_group": Relation("flow_group", lambda t: t.c.flow_group_id, "id"),
         "flow_runs": Relation("flow_run", lambda t: t.c.id, "flow_id", many=True)}),
    "task_run": ObjectType(
        "task_run", models.task_runs,
        {**_columns(id=ID, flow_run_id=ID, task_slug=TEXT, map_index=INT, state=TEXT,
                    state_message=TEXT, state_timestamp=TIME, start_time=TIME, end_time=TIME),
         "name": _column(TEXT, "task_name"),
         "updated": _column(TIME, "state_timestamp")},
        {"flow_run": Relation("flow_run", lambda t: t.c.flow_run_id, "id")}),
    "project": ObjectType(
        "project", models.projects,
        _columns(id=ID, name=TEXT, description=TEXT, created=TIME),
        {"flows": Relation("flow", lambda t: t.c.id, "project_id", many=True),
         "flow_groups": Relation("flow_group", lambda t: t.c.id, "project_id", many=True)}),
    "flow_group": ObjectType(
        "flow_group", models.flow_groups,
        _columns(id=ID, name=TEXT, project_id=ID, schedule=JSON, schedule_active=BOOL,
                 created=TIME, updated=TIME),
        {"project": Relation("project", lambda t: t.c.project_id, "id"),
         "flows": Relation("flow", lambda t: t.c.id, "flow_group_id", many=True),
         "flow_runs": Relation("flow_run", lambda t: t.c.id, "flow_group_id", many=True)}),
}
"""Every type of the subset, by its Prefect Server name; each is also a root query field (a
list), with ``<name>_aggregate`` and ``<name>_by_pk``."""

for _kind in TYPES.values():
    for _name, _relation in _kind.relations.items():
        assert _relation.remote in TYPES[_relation.target].scalars, (
            f"{_kind.name}.{_name} joins on a field its target does not have")
