"""Claims: an agent takes due runs whose labels it has, and no two agents take the same run.

Each run is taken through ``states.write_state``, the compare-and-set on the run's version
that every state change goes through: of two agents racing for a run, exactly one matches. On PostgreSQL the candidates are
read ``FOR UPDATE SKIP LOCKED``, so agents polling together take different runs instead of
queueing on the same rows; on SQLite the write lock already serialises claims.

A claim first looks, in a read, for the earliest run the agent could take: when none is due
it writes nothing and says when the next one will be, so a waiting agent costs nothing until
then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.agents import agent_row
from caudal.server.services.common import utcnow
from caudal.server.services.flow_runs import flow_run_out, runs_query
from caudal.server.services.states import write_state
from caudal.wire.runs import FlowRun as FlowRunOut
from caudal.wire.states import CLAIMABLE_STATES

__all__ = ["Claim", "claim_flow_runs", "labels_match", "take_flow_runs"]

runs = models.flow_runs



def labels_match(run_labels: list[str], agent_labels: list[str]) -> bool:
    """An agent runs a flow run only if it has every one of the run's labels (Prefect's rule)."""
    return set(run_labels) <= set(agent_labels)


@dataclass
class Claim:
    """What a claim took, and when the agent's next run is due if it took nothing."""

    runs: list[FlowRunOut] = field(default_factory=list)
    next_due: datetime | None = None
    """The earliest scheduled start of a run the agent could take later (None: no such run)."""
    stopping: bool = False
    """The agent said it is shutting down: it takes nothing more."""


def _claimable(db: Database, agent: Any) -> Any:
    return (runs.c.state.in_(sorted(CLAIMABLE_STATES)), db.labels_within(runs.c.labels, agent.labels))


def take_flow_runs(db: Database, agent_id: str, limit: int = 10,
                   now: datetime | None = None) -> Claim:
    """Take up to ``limit`` due runs for the agent (``claim_flow_runs``); when it takes
    none, say when its next run is due, having written nothing.

    Raises:
        NotFound: the agent is not registered.
    """
    now = now or utcnow()
    with db.read() as conn:
        agent = agent_row(conn, agent_id)
        if agent.stopping:
            return Claim(stopping=True)
        first = conn.execute(select(func.min(runs.c.scheduled_start_time))
                             .where(*_claimable(db, agent))).scalar()
    if first is None:
        return Claim()
    if first > now:
        return Claim(next_due=first)
    taken = claim_flow_runs(db, agent_id, limit, now)
    if taken:
        return Claim(runs=taken)
    # Others took the due runs first: the next chance is the next future one.
    with db.read() as conn:
        later = conn.execute(select(func.min(runs.c.scheduled_start_time))
                             .where(*_claimable(db, agent),
                                    runs.c.scheduled_start_time > now)).scalar()
    return Claim(next_due=later)


def claim_flow_runs(db: Database, agent_id: str, limit: int = 10,
                    now: datetime | None = None) -> list[FlowRunOut]:
    """Move up to ``limit`` due runs that match the agent's labels to Submitted, for it.

    Raises:
        NotFound: the agent is not registered.
    """
    now = now or utcnow()
    with db.write() as conn:
        # Shared: an agent saying it stops (a heartbeat) waits for this claim to commit, so
        # that the agent gets the runs taken for it before it stops, or none at all.
        agent = agent_row(conn, agent_id, share=True)
        if agent.stopping:
            return []
        # The label rule (labels_match) is applied by the query: filtering afterwards would
        # let runs for other agents fill the candidates and hide the ones this agent can take.
        candidates = (select(runs)
                      .where(*_claimable(db, agent), runs.c.scheduled_start_time <= now)
                      .order_by(runs.c.scheduled_start_time, runs.c.id)
                      .limit(limit))
        if not db.is_sqlite:
            candidates = candidates.with_for_update(**db.skip_locked)
        message = f"Submitted for execution by agent '{agent.name}'."
        # write_state's compare-and-set on the version: of two agents racing for a run
        # (SQLite's write lock or SKIP LOCKED aside), exactly one update matches.
        taken = [run.id for run in conn.execute(candidates).all()
                 if write_state(conn, run, "Submitted", message, now,
                                extra={"agent_id": agent_id})]
        if not taken:
            return []
        rows = conn.execute(runs_query().where(runs.c.id.in_(taken))
                            .order_by(runs.c.scheduled_start_time)).all()
        return [flow_run_out(r) for r in rows]
