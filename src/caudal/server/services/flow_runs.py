"""Flow runs: create (with parameter checks and idempotency keys), read, list, rename, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, delete, or_, select, update

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Conflict, Invalid, NotFound
from caudal.server.events import RunChange, record_change
from caudal.server.services.common import as_utc, decode_cursor, encode_cursor, new_id, utcnow
from caudal.server.services.flows import flow_row, latest_flow_row
from caudal.server.services.run_names import random_run_name
from caudal.wire.runs import FlowRun as FlowRunOut
from caudal.wire.runs import FlowRunCreate, StateRecord
from caudal.wire.states import STATE_KINDS

__all__ = ["check_flow_runs_exist", "check_parameters", "create_flow_run", "delete_flow_run", "flow_run_row",
           "get_flow_run", "insert_flow_runs", "list_flow_runs", "list_states",
           "new_flow_run_row", "rename_flow_run"]

runs = models.flow_runs
history = models.flow_run_states
flows = models.flows
groups = models.flow_groups
projects = models.projects


def runs_query() -> Select[Any]:
    """Flow runs with the name, version and project of their flow (what FlowRun shows)."""
    return (select(runs, flows.c.name.label("flow_name"), flows.c.version.label("flow_version"),
                   projects.c.name.label("project"))
            .join(flows, flows.c.id == runs.c.flow_id)
            .join(groups, groups.c.id == runs.c.flow_group_id)
            .join(projects, projects.c.id == groups.c.project_id))


# Built once: composing these joins costs more than running them.
_RUN_BY_ID = runs_query().where(runs.c.id == bindparam("flow_run_id"))
# For a change of state: the run's row (only its own, not its flow's or project's) stays
# locked until the transaction ends, so no other writer changes it between read and write.
_RUN_BY_ID_LOCKED = _RUN_BY_ID.with_for_update(of=runs)
_RUN_BY_KEY = runs_query().where(runs.c.flow_group_id == bindparam("group_id"),
                                 runs.c.idempotency_key == bindparam("key"))


def flow_run_out(row: Any) -> FlowRunOut:
    data = row._asdict()
    data.pop("times_resurrected", None)
    return FlowRunOut(**data)


def flow_run_row(conn: Connection, flow_run_id: str, lock: bool = False) -> Any:
    """The run with its flow's name and version and its project; with ``lock``, its row is
    locked for update until the transaction ends (PostgreSQL; on SQLite the write
    transaction holds the whole database already).

    Raises:
        NotFound: no flow run has that id."""
    statement = _RUN_BY_ID_LOCKED if lock else _RUN_BY_ID
    row = conn.execute(statement, {"flow_run_id": flow_run_id}).first()
    if row is None:
        raise NotFound(f"Flow run '{flow_run_id}' does not exist.")
    return row


def check_flow_runs_exist(conn: Connection, ids: set[str],
                          states: bool = False) -> dict[str, str]:
    """Check that a batch's flow runs exist, and keep them from being deleted until the
    transaction ends (``FOR KEY SHARE`` on PostgreSQL; SQLite's write lock does it there),
    so that the batch's rows never point at a run deleted meanwhile.

    With ``states``, their states do not change either until then (``FOR SHARE``: a state
    change waits for the batch, or the batch for it), so the batch can act on them.

    Returns:
        Each flow run's state, by id.

    Raises:
        NotFound: naming the first flow run of a batch that does not exist."""
    query = (select(runs.c.id, runs.c.state).where(runs.c.id.in_(ids)).order_by(runs.c.id)
             .with_for_update(read=True, key_share=not states))
    found = {row.id: row.state for row in conn.execute(query)}
    missing = sorted(ids - set(found))
    if missing:
        raise NotFound(f"Flow run '{missing[0]}' does not exist; the batch was not written.")
    return found


def check_parameters(flow: Any, parameters: dict[str, Any]) -> None:
    """Refuse parameters the flow does not have and required ones that are missing.

    Raises:
        Invalid: naming the parameter and the flow.
    """
    declared = {p["name"]: p for p in flow.parameters}
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        known = ", ".join(f"'{n}'" for n in sorted(declared)) or "none"
        raise Invalid(f"Parameter '{unknown[0]}' is not a parameter of flow '{flow.name}' "
                      f"(its parameters: {known}).")
    for name, spec in sorted(declared.items()):
        if spec.get("required") and name not in parameters:
            raise Invalid(f"Parameter '{name}' is required by flow '{flow.name}' and has no "
                          "default.")


def new_flow_run_row(flow: Any, *, parameters: dict[str, Any], labels: list[str] | None,
                     now: datetime, scheduled_start_time: datetime | None = None,
                     name: str | None = None, idempotency_key: str | None = None,
                     context: dict[str, Any] | None = None,
                     auto_scheduled: bool = False,
                     parent_flow_run_id: str | None = None) -> dict[str, Any]:
    """The row of a new Scheduled flow run of ``flow`` (a flows row)."""
    return {
        "id": new_id(), "flow_id": flow.id, "flow_group_id": flow.flow_group_id,
        "name": name or random_run_name(), "parameters": parameters, "context": context or {},
        "labels": sorted(set(flow.labels if labels is None else labels)),
        "state": "Scheduled", "state_message": None, "state_timestamp": now, "version": 1,
        "scheduled_start_time": as_utc(scheduled_start_time or now), "start_time": None,
        "end_time": None, "heartbeat": None, "agent_id": None,
        "idempotency_key": idempotency_key, "auto_scheduled": auto_scheduled,
        "times_resurrected": 0, "created": now, "parent_flow_run_id": parent_flow_run_id,
    }


def insert_flow_runs(db: Database, conn: Connection, rows: list[dict[str, Any]]) -> list[str]:
    """Insert runs, skipping any whose (flow, idempotency key) exists; the ids inserted.

    Each new run is announced once the transaction commits, so a waiting agent looks again."""
    if not rows:
        return []
    statement = (db.insert(runs).on_conflict_do_nothing(
        index_elements=["flow_group_id", "idempotency_key"]).returning(runs.c.id))
    inserted = [conn.execute(statement, row).scalar() for row in rows]
    created = [i for i in inserted if i is not None]
    if created:
        by_id = {r["id"]: r for r in rows}
        conn.execute(history.insert(), [
            {"flow_run_id": i, "state": "Scheduled", "message": by_id[i]["state_message"],
             "timestamp": by_id[i]["state_timestamp"]} for i in created])
        for i in created:
            record_change(conn, RunChange(i, "Scheduled", by_id[i]["state_message"],
                                          by_id[i]["state_timestamp"]))
    return created


def create_flow_run(db: Database, body: FlowRunCreate) -> tuple[FlowRunOut, bool]:
    """A new Scheduled run, or the existing one with the same idempotency key.

    Returns:
        the run, and whether it was created (False: the idempotency key matched a run).

    Raises:
        NotFound: no such flow; Invalid: bad parameters or no flow named;
        Conflict: the flow version is archived.
    """
    now = utcnow()
    with db.write() as conn:
        if body.flow_id is not None:
            flow = flow_row(conn, body.flow_id)
        elif body.flow_name is not None:
            flow = latest_flow_row(conn, body.flow_name, body.project)
        else:
            raise Invalid("Give 'flow_id', or 'flow_name' (and 'project'), of the flow to run.")
        try:
            if flow.archived:
                raise Conflict(f"Flow '{flow.name}' version {flow.version} ({flow.id}) is "
                               "archived; run its latest version instead.")
            check_parameters(flow, body.parameters)
            if body.parent_flow_run_id is not None:
                _check_parent(conn, body.parent_flow_run_id)
        except (Conflict, Invalid):
            # A retried request whose run exists gets its run, whatever changed since.
            existing = _run_by_key(conn, flow.flow_group_id, body.idempotency_key)
            if existing is None:
                raise
            return existing, False
        row = new_flow_run_row(flow, parameters=body.parameters, labels=body.labels, now=now,
                               scheduled_start_time=body.scheduled_start_time,
                               name=body.run_name, idempotency_key=body.idempotency_key,
                               context=body.context,
                               parent_flow_run_id=body.parent_flow_run_id)
        if not insert_flow_runs(db, conn, [row]):  # the idempotency key has its run already
            existing = _run_by_key(conn, flow.flow_group_id, body.idempotency_key)
            assert existing is not None, "an insert skipped only on a key conflict"
            return existing, False
    # Built from what was inserted: reading the row back would cost a three-table join.
    row.pop("times_resurrected")
    return FlowRunOut(**row, flow_name=flow.name, flow_version=flow.version,
                      project=flow.project), True


def _check_parent(conn: Connection, parent_flow_run_id: str) -> None:
    """The parent must exist; its row is kept from being deleted until the run is in."""
    found = conn.execute(select(runs.c.id).where(runs.c.id == parent_flow_run_id)
                         .with_for_update(read=True, key_share=True)).first()
    if found is None:
        raise Invalid(f"Parent flow run '{parent_flow_run_id}' does not exist.")


def _run_by_key(conn: Connection, group_id: str, key: str | None) -> FlowRunOut | None:
    if key is None:
        return None
    row = conn.execute(_RUN_BY_KEY, {"group_id": group_id, "key": key}).first()
    return None if row is None else flow_run_out(row)


def get_flow_run(db: Database, flow_run_id: str) -> FlowRunOut:
    with db.read() as conn:
        return flow_run_out(flow_run_row(conn, flow_run_id))


def list_flow_runs(db: Database, *, flow_id: str | None = None,
                   flow_group_id: str | None = None, flow_name: str | None = None,
                   project: str | None = None, states: list[str] | None = None,
                   limit: int = 50, cursor: str | None = None,
                   parent_flow_run_id: str | None = None,
                   ) -> tuple[list[FlowRunOut], str | None]:
    """Runs newest first (by scheduled start), a page at a time.

    Raises:
        Invalid: an unknown state name or a cursor this server did not make.
    """
    query = runs_query()
    if flow_id is not None:
        query = query.where(runs.c.flow_id == flow_id)
    if flow_group_id is not None:
        query = query.where(runs.c.flow_group_id == flow_group_id)
    if flow_name is not None:
        query = query.where(flows.c.name == flow_name)
    if project is not None:
        query = query.where(projects.c.name == project)
    if parent_flow_run_id is not None:
        query = query.where(runs.c.parent_flow_run_id == parent_flow_run_id)
    if states:
        unknown = [s for s in states if s not in STATE_KINDS]
        if unknown:
            raise Invalid(f"'{unknown[0]}' is not a state; states are: "
                          f"{', '.join(STATE_KINDS)}.")
        query = query.where(runs.c.state.in_(states))
    if cursor is not None:
        when, last_id = _runs_cursor(cursor)
        query = query.where(or_(runs.c.scheduled_start_time < when,
                                and_(runs.c.scheduled_start_time == when,
                                     runs.c.id < last_id)))
    query = query.order_by(runs.c.scheduled_start_time.desc(), runs.c.id.desc()).limit(limit + 1)
    with db.read() as conn:
        rows = conn.execute(query).all()
    items = [flow_run_out(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(last.scheduled_start_time, last.id)
    return items, next_cursor


def _runs_cursor(cursor: str) -> tuple[datetime, str]:
    """The scheduled time and id a runs cursor holds, checked to be values we could have
    written (a forged one must not reach the database as an out-of-range value)."""
    when_text, last_id = decode_cursor(cursor, 2)
    try:
        when = as_utc(datetime.fromisoformat(when_text))
        if not 1900 <= when.year <= 2500 or not isinstance(last_id, str) or \
                len(last_id) > 100 or "\x00" in last_id:
            raise ValueError
        last_id.encode()
    except (TypeError, ValueError, OverflowError) as exc:  # UnicodeError is a ValueError
        raise Invalid(f"Cursor '{cursor[:60]}' is not valid; pass back the 'next_cursor' of "
                      "the previous page.") from exc
    return when, last_id


def list_states(db: Database, flow_run_id: str) -> list[StateRecord]:
    with db.read() as conn:
        flow_run_row(conn, flow_run_id)
        rows = conn.execute(select(history.c.state, history.c.message, history.c.timestamp)
                            .where(history.c.flow_run_id == flow_run_id)
                            .order_by(history.c.id))
        return [StateRecord(**r._asdict()) for r in rows]


def rename_flow_run(db: Database, flow_run_id: str, name: str) -> FlowRunOut:
    with db.write() as conn:
        flow_run_row(conn, flow_run_id, lock=True)
        conn.execute(update(runs).where(runs.c.id == flow_run_id).values(name=name))
        return flow_run_out(flow_run_row(conn, flow_run_id))


def delete_flow_run(db: Database, flow_run_id: str) -> None:
    """Delete a run; its states, task runs and logs go with it (ON DELETE CASCADE)."""
    with db.write() as conn:
        flow_run_row(conn, flow_run_id, lock=True)
        conn.execute(delete(runs).where(runs.c.id == flow_run_id))
