"""Why a run has not started: told from what the server knows, never left to guesswork.

The run's state and time, its flow's schedule switch, and the agents this server has seen
(their labels, when they last called, and the runs and limit their heartbeats reported) are
enough to say which of the usual causes holds: not due yet, schedule paused, no agent with the
run's labels, none seen lately, or every such agent at its limit of runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.services.claims import labels_match
from caudal.server.services.common import utcnow
from caudal.server.services.flow_runs import flow_run_row
from caudal.wire.runs import RunWait
from caudal.wire.states import STATE_KINDS, StateKind

__all__ = ["AGENT_SEEN_S", "why_waiting"]

AGENT_SEEN_S = 90.0
"""An agent whose last heartbeat came within this many seconds counts as connected."""


def _labels(labels: list[str]) -> str:
    return "[" + ", ".join(labels) + "]"


def _ago(now: datetime, then: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def _at_limit(agent: Any) -> bool:
    """The agent's last heartbeat said it runs as many runs as its limit allows."""
    return (agent.running is not None and agent.run_limit is not None
            and agent.running >= agent.run_limit)


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def why_waiting(db: Database, flow_run_id: str, now: datetime | None = None) -> RunWait:
    """The reasons the run has not started, most telling first.

    Raises:
        NotFound: no flow run has that id.
    """
    now = now or utcnow()
    with db.read() as conn:
        run = flow_run_row(conn, flow_run_id)
        group = conn.execute(select(models.flow_groups.c.schedule_active)
                             .where(models.flow_groups.c.id == run.flow_group_id)).first()
        agents = conn.execute(select(models.agents)
                              .order_by(models.agents.c.last_heartbeat.desc())).all()
    what = f"Flow run '{run.name}'"
    if STATE_KINDS[run.state] is not StateKind.PENDING:
        return RunWait(flow_run_id=run.id, state=run.state, waiting=False,
                       reasons=[f"{what} is {run.state}; it is not waiting for an agent."])
    reasons: list[str] = []
    if run.auto_scheduled and group is not None and not group.schedule_active:
        reasons.append(f"The schedule of flow '{run.flow_name}' is paused; switch it on to run "
                       "its scheduled runs.")
    if run.scheduled_start_time > now:
        reasons.append(f"{what} is scheduled for {run.scheduled_start_time.isoformat()} "
                       f"(in {int((run.scheduled_start_time - now).total_seconds())} s).")
    matching = [a for a in agents if labels_match(run.labels, a.labels)]
    seen_since = now - timedelta(seconds=AGENT_SEEN_S)
    connected = [a for a in matching if a.last_heartbeat >= seen_since]
    if not matching:
        others = ", ".join(f"'{a.name}' {_labels(a.labels)}" for a in agents[:10])
        seen = f"agents seen: {others}" if others else "no agent has been seen at all"
        reasons.append(f"No agent with labels {_labels(run.labels)} has been seen ({seen}); "
                       f"start one with 'caudal agent start"
                       + "".join(f" --label {label}" for label in run.labels) + "'.")
    elif not connected:
        last = matching[0]
        reasons.append(f"The last agent with labels {_labels(run.labels)} ('{last.name}') was "
                       f"seen at {last.last_heartbeat.isoformat()} "
                       f"({_ago(now, last.last_heartbeat)}); none is connected now.")
    elif run.scheduled_start_time <= now:
        free = [a for a in connected if not _at_limit(a)]
        if not free:
            reasons.extend(f"Agent '{a.name}' is at its limit of {_runs(a.run_limit)}; the run "
                           "starts when one of its runs finishes." for a in connected[:5])
        else:
            names = ", ".join(f"'{a.name}'" for a in free[:5])
            # An agent that did not report its runs may be full without the server knowing.
            unless = ("" if all(a.running is not None for a in free[:5])
                      else ", unless the agent is at its limit of runs")
            reasons.append(f"{what} is due and agent {names} can take it; it starts at the "
                           f"agent's next claim{unless}.")
    return RunWait(flow_run_id=run.id, state=run.state, waiting=True, reasons=reasons)
