"""The dashboard (what happened in the last 24 hours, what waits and why, what comes next)
and the agents page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from caudal.server.services import agents, waits
from caudal.server.services.common import utcnow
from caudal.server.ui import queries
from caudal.server.ui.render import page
from caudal.server.ui.routing import see
from caudal.wire.states import FAILED_STATES

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# How the dashboard orders states: what needs a look first.
STATE_ORDER = [*sorted(FAILED_STATES), "Cancelling", "Running", "Submitted", "Retrying",
               "Paused", "Scheduled", "Pending", "Queued", "Cancelled", "Skipped", "Looped",
               "Success", "Cached", "Mapped"]
AGENT_SILENT_S = 60.0
"""An agent not heard from for this long is shown as silent."""


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    viewer = see(request)
    db = request.app.state.db
    now = utcnow()
    counts = queries.state_counts_since(db, now - timedelta(hours=24))
    ordered = sorted(counts.items(), key=lambda item: (
        STATE_ORDER.index(item[0]) if item[0] in STATE_ORDER else len(STATE_ORDER), item[0]))
    late = queries.late_runs(db, now)
    reasons = {run.id: waits.why_waiting(db, run.id, now).reasons for run in late}
    return page(request, "dashboard.html", viewer, counts=ordered, total=sum(counts.values()),
                failures=queries.failures_since(db, now - timedelta(hours=24)), late=late,
                reasons=reasons, upcoming=queries.upcoming_runs(db, now),
                agents=agents.list_agents(db), now=now, silent_s=AGENT_SILENT_S)


@router.get("/agents", response_class=HTMLResponse)
def agents_page(request: Request) -> HTMLResponse:
    viewer = see(request)
    db = request.app.state.db
    return page(request, "agents.html", viewer, agents=agents.list_agents(db),
                in_flight=queries.runs_in_flight(db), now=utcnow(), silent_s=AGENT_SILENT_S)
