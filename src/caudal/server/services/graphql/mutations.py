"""Prefect Server's mutations, each planned as calls of caudal's own services.

A planned mutation names the role it needs (the REST route's), the service calls to make
(the route runs them in the writers' queue) and how to turn their results into Prefect's
payload (``{"success": true}``, ``{"id": ...}``, ``{"state": ...}``...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from caudal.server.db.engine import Database
from caudal.server.services import flow_runs, flows, schedules, states
from caudal.server.services.graphql.schema import GraphQLError, unsupported
from caudal.wire.auth import Role
from caudal.wire.runs import FlowRunCreate, FlowRunRename, StateSet

__all__ = ["MUTATIONS", "PlannedMutation", "plan_mutation"]

Call = tuple[Callable[..., Any], tuple[Any, ...]]

SUCCESS = {"success": None, "error": None}
"""Prefect's ``success_payload``: the fields a caller may select."""


@dataclass
class PlannedMutation:
    role: Role
    calls: list[Call]
    shape: Callable[[list[Any]], dict[str, Any]]
    payload: dict[str, Any]
    """The payload's fields a caller may select (a dict for a field with subfields)."""


def _success(results: list[Any]) -> dict[str, Any]:
    return {"success": True, "error": None}


def _text(data: dict[str, Any], name: str, mutation: str, required: bool = True) -> Any:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 100 or "\x00" in value:
        raise GraphQLError(f"'{mutation}' needs '{name}' in its input, as an id (a string of "
                           "at most 100 characters).")
    return value


def _model(kind: type[BaseModel], mutation: str, **values: Any) -> Any:
    try:
        return kind(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise GraphQLError(f"'{mutation}': input '{where}': {first['msg']}.") from exc


def _set_flow_run_name(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
    body = _model(FlowRunRename, "set_flow_run_name", name=data.get("name"))
    run_id = _text(data, "flow_run_id", "set_flow_run_name")
    return PlannedMutation(Role.RUNNER, [(flow_runs.rename_flow_run, (db, run_id, body.name))],
                           _success, SUCCESS)


def _cancel_flow_run(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
    run_id = _text(data, "flow_run_id", "cancel_flow_run")
    return PlannedMutation(Role.RUNNER, [(states.cancel_flow_run, (db, run_id))],
                           lambda results: {"state": results[0].state}, {"state": None})


def _delete_flow_run(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
    run_id = _text(data, "flow_run_id", "delete_flow_run")
    return PlannedMutation(Role.ADMIN, [(flow_runs.delete_flow_run, (db, run_id))],
                           _success, SUCCESS)


def _create_flow_run(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
    name = "create_flow_run"
    flow_id = _text(data, "flow_id", name, required=False)
    group_id = _text(data, "version_group_id", name, required=False)
    if (flow_id is None) == (group_id is None):
        raise GraphQLError(f"'{name}' needs one of 'flow_id' or 'version_group_id' in its "
                           "input.")
    values = {"parameters": data.get("parameters"), "context": data.get("context"),
              "labels": data.get("labels"),
              "run_name": data.get("flow_run_name") or data.get("run_name"),
              "idempotency_key": data.get("idempotency_key"),
              "scheduled_start_time": data.get("scheduled_start_time")}
    if flow_id is not None:
        body = _model(FlowRunCreate, name, flow_id=flow_id, **values)
        call: Call = (flow_runs.create_flow_run, (db, body))
    else:
        # The latest version of the group, found in the service's own transaction.
        _model(FlowRunCreate, name, **values)
        call = (_create_latest_run, (db, group_id, values))
    return PlannedMutation(Role.RUNNER, [call], lambda results: {"id": results[0][0].id},
                           {"id": None})


def _create_latest_run(db: Database, group_id: str, values: dict[str, Any]) -> Any:
    """A run of the newest unarchived version of flow group ``group_id``."""
    group = flows.flow_group_names(db, group_id)
    body = FlowRunCreate(flow_name=group[0], project=group[1],
                         **{k: v for k, v in values.items() if v is not None})
    return flow_runs.create_flow_run(db, body)


def _set_flow_run_states(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
    name = "set_flow_run_states"
    items = data.get("states")
    if not isinstance(items, list) or not items:
        raise GraphQLError(f"'{name}' needs 'states' in its input, as a list of "
                           "{flow_run_id, version, state}.")
    calls: list[Call] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("state"), dict):
            raise GraphQLError(f"'{name}': each of 'states' needs 'flow_run_id' and 'state' "
                               "(an object with 'type').")
        state = item["state"]
        body = _model(StateSet, name, state=state.get("type"), message=state.get("message"),
                      version=item.get("version"), start_time=state.get("start_time"))
        run_id = _text(item, "flow_run_id", name)
        calls.append((states.set_flow_run_state, (db, run_id, body)))

    def shape(results: list[Any]) -> dict[str, Any]:
        return {"states": [{"id": run.id, "status": "SUCCESS", "message": None}
                           for run in results]}

    return PlannedMutation(Role.RUNNER, calls, shape,
                           {"states": {"id": None, "status": None, "message": None}})


def _schedule(active: bool) -> Callable[[Database, dict[str, Any], int], PlannedMutation]:
    def plan(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
        name = "set_schedule_active" if active else "set_schedule_inactive"
        flow_id = _text(data, "flow_id", name)
        return PlannedMutation(Role.ADMIN, [(schedules.set_schedule_active,
                                             (db, flow_id, active, ahead))], _success, SUCCESS)
    return plan


def _archive_flow(db: Database, data: dict[str, Any], ahead: int) -> PlannedMutation:
    flow_id = _text(data, "flow_id", "archive_flow")
    return PlannedMutation(Role.ADMIN, [(flows.archive_flow, (db, flow_id))], _success,
                           SUCCESS)


MUTATIONS: dict[str, Callable[[Database, dict[str, Any], int], PlannedMutation]] = {
    "set_flow_run_name": _set_flow_run_name,
    "cancel_flow_run": _cancel_flow_run,
    "delete_flow_run": _delete_flow_run,
    "create_flow_run": _create_flow_run,
    "set_flow_run_states": _set_flow_run_states,
    "set_schedule_active": _schedule(True),
    "set_schedule_inactive": _schedule(False),
    "archive_flow": _archive_flow,
}
"""Every mutation of the subset, by Prefect Server's name."""


def plan_mutation(db: Database, name: str, arguments: dict[str, Any],
                  runs_ahead: int) -> PlannedMutation:
    """The calls mutation ``name`` makes with ``arguments`` (its ``input``).

    Raises:
        GraphQLError: an unknown mutation or argument, or an input it cannot take.
    """
    planner = MUTATIONS.get(name)
    if planner is None:
        raise unsupported("field", name, "mutation_root")
    for argument in arguments:
        if argument != "input":
            raise unsupported("argument", argument, name)
    data = arguments.get("input")
    if not isinstance(data, dict):
        raise GraphQLError(f"'{name}' needs its 'input' argument, as an object.")
    return planner(db, data, runs_ahead)
