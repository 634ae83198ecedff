"""Registration: one request per flow makes a new version, or skips an unchanged one.

The latest version's idempotency key (the flow's hash unless the caller gave one) decides:
the same key means nothing changed and nothing is written; another key makes version n+1,
archives the older versions and replaces their future scheduled runs. The schedule switch is
changed only when the request says so explicitly.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, update

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Invalid
from caudal.server.services.common import new_id, utcnow
from caudal.server.services.projects import project_by_name
from caudal.server.services.schedules import (
    delete_future_runs,
    fill_schedule,
    read_schedule,
    schedule_events,
    switch_schedule,
)
from caudal.wire.flows import (
    FlowParameter,
    FlowRegistration,
    RegistrationResult,
    registration_key,
)

__all__ = ["register_flow"]

flows = models.flows
groups = models.flow_groups


def _parameters(reg: FlowRegistration) -> list[dict[str, Any]]:
    raw = reg.serialized.get("parameters", [])
    try:
        if not isinstance(raw, list):
            raise TypeError
        return [FlowParameter.model_validate(p).model_dump() for p in raw]
    except (TypeError, ValidationError) as exc:
        raise Invalid(f"The description of flow '{reg.name}' has malformed 'parameters'; "
                      "send what flow.serialize() gives.") from exc


def register_flow(db: Database, reg: FlowRegistration, ahead: int = 10) -> RegistrationResult:
    """Store a flow version, or skip it when the latest version has the same key.

    Raises:
        NotFound: the project does not exist.
        Invalid: the description's parameters or schedule cannot be read, or the schedule
            cannot compute its next runs.
    """
    now = utcnow()
    parameters = _parameters(reg)
    schedule = reg.serialized.get("schedule")
    if schedule is not None:
        if not isinstance(schedule, dict):
            raise Invalid(f"The schedule of flow '{reg.name}' must be an object.")
        # Computed now, so that a schedule that cannot fire is refused here, not by the
        # scheduler's every pass.
        schedule_events(read_schedule(schedule, reg.name), reg.name, now, ahead)
    labels = sorted(set(reg.labels))
    key = reg.idempotency_key or registration_key(reg.hash, labels)
    with db.write() as conn:
        project = project_by_name(conn, reg.project)
        # Registrations of one flow queue on its group's row: the first creates it (the
        # others' inserts wait for it, then do nothing), and each then holds the row locked
        # while it reads the latest version and writes the next, so two callers never
        # compute the same version number.
        group_id = conn.execute(
            db.insert(groups).on_conflict_do_nothing(index_elements=["project_id", "name"])
            .returning(groups.c.id),
            {"id": new_id(), "project_id": project.id, "name": reg.name, "schedule": schedule,
             "created": now, "updated": now,
             # A new flow's schedule runs unless the caller asked otherwise.
             "schedule_active": (schedule is not None if reg.set_schedule_active is None
                                 else reg.set_schedule_active)}).scalar()
        is_new = group_id is not None
        group = conn.execute(select(groups).where(groups.c.project_id == project.id,
                                                  groups.c.name == reg.name)
                             .with_for_update()).one()
        group_id = group.id
        latest = conn.execute(select(flows.c.id, flows.c.version, flows.c.idempotency_key)
                              .where(flows.c.flow_group_id == group_id,
                                     flows.c.archived.is_(False))
                              .order_by(flows.c.version.desc()).limit(1)).first()
        if not is_new and reg.set_schedule_active is not None:
            switch_schedule(conn, group_id, reg.set_schedule_active, now)

        if latest is not None and latest.idempotency_key == key:
            created = fill_schedule(db, conn, group_id, now, ahead)
            return RegistrationResult(status="skipped", flow_id=latest.id,
                                      flow_group_id=group_id, version=latest.version,
                                      scheduled_runs=created)

        version = 1 + (conn.execute(select(func.max(flows.c.version))
                                    .where(flows.c.flow_group_id == group_id)).scalar() or 0)
        flow_id = new_id()
        conn.execute(flows.insert(), {
            "id": flow_id, "flow_group_id": group_id, "version": version, "name": reg.name,
            "hash": reg.hash, "idempotency_key": key, "serialized": reg.serialized,
            "parameters": parameters, "labels": labels, "schedule": schedule,
            "storage": _object(reg.serialized.get("storage")),
            "run_config": _object(reg.serialized.get("run_config")),
            "source": reg.source, "description": reg.description, "archived": False,
            "created": now})
        conn.execute(update(flows).where(flows.c.flow_group_id == group_id,
                                         flows.c.id != flow_id,
                                         flows.c.archived.is_(False)).values(archived=True))
        values: dict[str, Any] = {"schedule": schedule, "updated": now}
        if (not is_new and group.schedule is None and schedule is not None
                and reg.set_schedule_active is None):
            # The flow gains its first schedule: nobody has switched it yet, so it runs,
            # as a new flow's schedule does.
            values["schedule_active"] = True
        conn.execute(update(groups).where(groups.c.id == group_id).values(**values))
        # The old version's future runs go; the new version's are created from its schedule.
        delete_future_runs(conn, group_id)
        created = fill_schedule(db, conn, group_id, now, ahead)
        return RegistrationResult(status="created", flow_id=flow_id, flow_group_id=group_id,
                                  version=version,
                                  archived_flow_id=latest.id if latest is not None else None,
                                  scheduled_runs=created)


def _object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
