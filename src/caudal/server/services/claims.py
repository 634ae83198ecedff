"""Claims: an agent takes due runs whose labels it has, and no two agents take the same run.

Each run is taken with one conditional UPDATE (``WHERE state = 'Scheduled' AND version = v``):
of two agents racing for a run, exactly one update matches. On PostgreSQL the candidates are
read ``FOR UPDATE SKIP LOCKED``, so agents polling together take different runs instead of
queueing on the same rows; on SQLite the write lock already serialises claims.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.agents import agent_row
from caudal.server.services.common import utcnow
from caudal.server.services.flow_runs import flow_run_out, runs_query
from caudal.wire.runs import FlowRun as FlowRunOut

__all__ = ["claim_flow_runs", "labels_match"]

runs = models.flow_runs
history = models.flow_run_states

CLAIMABLE = ("Scheduled", "Retrying", "Resume")


def labels_match(run_labels: list[str], agent_labels: list[str]) -> bool:
    """An agent runs a flow run only if it has every one of the run's labels (Prefect's rule)."""
    return set(run_labels) <= set(agent_labels)


def claim_flow_runs(db: Database, agent_id: str, limit: int = 10,
                    now: datetime | None = None) -> list[FlowRunOut]:
    """Move up to ``limit`` due runs that match the agent's labels to Submitted, for it.

    Raises:
        NotFound: the agent is not registered.
    """
    now = now or utcnow()
    with db.write() as conn:
        agent = agent_row(conn, agent_id)
        # The label rule (labels_match) is applied by the query: filtering afterwards would
        # let runs for other agents fill the candidates and hide the ones this agent can take.
        candidates = (select(runs.c.id, runs.c.version)
                      .where(runs.c.state.in_(CLAIMABLE), runs.c.scheduled_start_time <= now,
                             db.labels_within(runs.c.labels, agent.labels))
                      .order_by(runs.c.scheduled_start_time, runs.c.id)
                      .limit(limit))
        if not db.is_sqlite:
            candidates = candidates.with_for_update(**db.skip_locked)
        taken: list[str] = []
        for run_id, version in conn.execute(candidates).all():
            changed = conn.execute(
                update(runs).where(runs.c.id == run_id, runs.c.version == version,
                                   runs.c.state.in_(CLAIMABLE))
                .values(state="Submitted", agent_id=agent_id, version=version + 1,
                        state_timestamp=now,
                        state_message=f"Submitted for execution by agent '{agent.name}'.")
            ).rowcount
            if changed:
                taken.append(run_id)
        if not taken:
            return []
        conn.execute(history.insert(), [
            {"flow_run_id": i, "state": "Submitted",
             "message": f"Submitted for execution by agent '{agent.name}'.", "timestamp": now}
            for i in taken])
        rows = conn.execute(runs_query().where(runs.c.id.in_(taken))
                            .order_by(runs.c.scheduled_start_time)).all()
        return [flow_run_out(r) for r in rows]
