"""Agents: registration and heartbeats (claims are in ``claims``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import NotFound
from caudal.server.events import CLAIMS_WAKE, record_change
from caudal.server.services.common import new_id, utcnow
from caudal.wire.agents import Agent as AgentOut
from caudal.wire.agents import AgentHeartbeat, AgentRegister

__all__ = ["agent_row", "list_agents", "record_agent_heartbeat", "register_agent"]

agents = models.agents


def agent_row(conn: Connection, agent_id: str, share: bool = False) -> Any:
    """The agent's row; with ``share``, locked against changes until the transaction ends
    (``FOR SHARE`` on PostgreSQL; SQLite's write transaction holds the database already).

    Raises:
        NotFound: no agent has that id (register it first)."""
    query = select(agents).where(agents.c.id == agent_id)
    if share:
        query = query.with_for_update(read=True)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"Agent '{agent_id}' does not exist; an agent registers itself with "
                       "POST /api/agents when it starts.")
    return row


def register_agent(db: Database, body: AgentRegister) -> AgentOut:
    now = utcnow()
    row = {"id": new_id(), "name": body.name, "labels": sorted(set(body.labels)),
           "agent_type": body.agent_type, "created": now, "last_heartbeat": now,
           "running": None, "run_limit": body.limit}
    with db.write() as conn:
        conn.execute(agents.insert(), row)
    return _agent_out(row)


def record_agent_heartbeat(db: Database, agent_id: str,
                           body: AgentHeartbeat | None = None) -> AgentOut:
    """Mark the agent alive now, and keep the numbers it sent and whether it is stopping.

    A field the body leaves out keeps its stored value; one sent as null is stored as null
    (for ``limit``: no limit). A heartbeat without a body changes only the time.

    Raises:
        NotFound: no agent has that id.
    """
    values: dict[str, Any] = {"last_heartbeat": utcnow()}
    if body is not None:
        sent = body.model_dump(exclude_unset=True)
        if "running" in sent:
            values["running"] = sent["running"]
        if "limit" in sent:
            values["run_limit"] = sent["limit"]
        if sent.get("stopping") is not None:
            values["stopping"] = sent["stopping"]
    with db.write() as conn:
        agent = agent_row(conn, agent_id)
        conn.execute(update(agents).where(agents.c.id == agent_id).values(**values))
        if values.get("stopping") and not agent.stopping:
            # Its claims waiting on the server look again, and take nothing.
            record_change(conn, CLAIMS_WAKE)
        return _agent_out(agent_row(conn, agent_id)._asdict())


def list_agents(db: Database) -> list[AgentOut]:
    with db.read() as conn:
        rows = conn.execute(select(agents).order_by(agents.c.last_heartbeat.desc()))
        return [_agent_out(r._asdict()) for r in rows]


def _agent_out(row: dict[str, Any]) -> AgentOut:
    # The column is ``run_limit`` (LIMIT is an SQL keyword); the API calls it ``limit``.
    fields = dict(row)
    fields["limit"] = fields.pop("run_limit")
    fields["stopping"] = bool(fields.get("stopping"))
    return AgentOut(**fields)
