"""/api/agents: registration, heartbeats, and the (long-polling) claim of due runs."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request

from caudal.server.api.deps import AUTH_ERRORS, RUNNER, VIEWER, database, error, write
from caudal.server.db.engine import Database
from caudal.server.services import agents, claims
from caudal.server.services.common import utcnow
from caudal.wire.agents import Agent, AgentHeartbeat, AgentRegister, ClaimRequest
from caudal.wire.runs import FlowRun

router = APIRouter(prefix="/api/agents", tags=["agents"], responses=AUTH_ERRORS)
NOT_FOUND = {404: error("No agent has that id.")}

# A waiting claim looks again when this server creates or requeues a run (RunEvents) and when
# the next run it could take becomes due; and, for runs made claimable by another server on
# the same database (which cannot notify this one), at least this often.
RECHECK_S = 10.0
# A claim looking again at a run's due time is this late, so that the run is due by then.
DUE_SLACK_S = 0.005


@router.post("", status_code=201, dependencies=[RUNNER])
async def register_agent(body: AgentRegister, request: Request,
                         db: Database = Depends(database)) -> Agent:
    return await write(request, agents.register_agent, db, body)


@router.get("", dependencies=[VIEWER])
def list_agents(db: Database = Depends(database)) -> list[Agent]:
    return agents.list_agents(db)


@router.post("/{agent_id}/heartbeat", dependencies=[RUNNER], responses=NOT_FOUND)
async def agent_heartbeat(agent_id: str, request: Request, body: AgentHeartbeat | None = None,
                          db: Database = Depends(database)) -> Agent:
    """The agent is alive; the body, if any, says how many runs it is running and its limit."""
    return await write(request, agents.record_agent_heartbeat, db, agent_id, body)


@router.post("/{agent_id}/claim", dependencies=[RUNNER], responses=NOT_FOUND)
async def claim_flow_runs(agent_id: str, body: ClaimRequest, request: Request) -> list[FlowRun]:
    """Take up to ``limit`` due runs whose labels the agent has; wait up to ``wait_s`` for one.

    Each run is given to exactly one agent, however many poll at once. While it waits, a
    claim costs nothing: it looks again only when a run is created or requeued, or when the
    next run it could take becomes due.
    """
    db: Database = request.app.state.db
    events = request.app.state.run_events
    deadline = time.monotonic() + body.wait_s
    while True:
        armed = events.arm()
        claim = await write(request, claims.take_flow_runs, db, agent_id, body.limit)
        remaining = deadline - time.monotonic()
        if claim.runs or claim.stopping or remaining <= 0:
            return claim.runs
        wait = min(remaining, RECHECK_S)
        if claim.next_due is not None:
            until_due = (claim.next_due - utcnow()).total_seconds() + DUE_SLACK_S
            wait = min(wait, max(until_due, DUE_SLACK_S))
        await events.wait(wait, armed)
        if events.closing or await request.is_disconnected():
            # The server is shutting down, or the agent has gone (it stopped while
            # waiting): take nothing for it.
            return []
