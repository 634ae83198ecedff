"""/api/agents: registration, heartbeats, and the (long-polling) claim of due runs."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends, Request

from caudal.server.api.deps import AUTH_ERRORS, RUNNER, VIEWER, database, error
from caudal.server.db.engine import Database
from caudal.server.services import agents, claims
from caudal.wire.agents import Agent, AgentRegister, ClaimRequest
from caudal.wire.runs import FlowRun

router = APIRouter(prefix="/api/agents", tags=["agents"], responses=AUTH_ERRORS)
NOT_FOUND = {404: error("No agent has that id.")}

# A claim that found nothing looks again at least this often while it waits, because a
# scheduled run becomes due by the clock alone, with no request to announce it.
RECHECK_S = 0.25


@router.post("", status_code=201, dependencies=[RUNNER])
def register_agent(body: AgentRegister, db: Database = Depends(database)) -> Agent:
    return agents.register_agent(db, body)


@router.get("", dependencies=[VIEWER])
def list_agents(db: Database = Depends(database)) -> list[Agent]:
    return agents.list_agents(db)


@router.post("/{agent_id}/heartbeat", dependencies=[RUNNER], responses=NOT_FOUND)
def agent_heartbeat(agent_id: str, db: Database = Depends(database)) -> Agent:
    return agents.record_agent_heartbeat(db, agent_id)


@router.post("/{agent_id}/claim", dependencies=[RUNNER], responses=NOT_FOUND)
async def claim_flow_runs(agent_id: str, body: ClaimRequest, request: Request) -> list[FlowRun]:
    """Take up to ``limit`` due runs whose labels the agent has; wait up to ``wait_s`` for one.

    Each run is given to exactly one agent, however many poll at once.
    """
    db: Database = request.app.state.db
    events = request.app.state.run_events
    deadline = time.monotonic() + body.wait_s
    while True:
        taken = await asyncio.to_thread(claims.claim_flow_runs, db, agent_id, body.limit)
        remaining = deadline - time.monotonic()
        if taken or remaining <= 0 or await request.is_disconnected():
            return taken
        await events.wait(min(remaining, RECHECK_S))
