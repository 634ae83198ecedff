"""A flow run's page (state, history, parameters, timeline, DAG, live logs, parents and
children), its live parts for the page's script, the list of runs, and the log download."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from markupsafe import Markup

from caudal.server.errors import NotFound
from caudal.server.services import agents, flow_runs, logs, waits
from caudal.server.services.common import utcnow
from caudal.server.ui import queries, svg
from caudal.server.ui.render import (
    LEVEL_NAMES,
    compress,
    level_name,
    page,
    parts,
    root_of,
    secure_headers,
    zone_of,
)
from caudal.server.ui.routing import see
from caudal.wire.auth import Role
from caudal.wire.runs import FlowRun
from caudal.wire.states import FAILED_STATES, STATE_KINDS, StateKind

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
FIRST_LOG_LINES = 500
"""Log lines the page is rendered with; the rest come live, or from the download."""
CHILD_ROWS = 500
"""Mapped children drawn per expansion of the timeline."""
LIVE_PARTS = ("summary", "timeline", "graph", "history", "children", "counts")
"""The macros of flow_run_parts.html that a live page refreshes."""
LEVELS = {name: number for number, name in LEVEL_NAMES.items()}
"""The log levels the page filters by, by name."""


def finished(run: FlowRun) -> bool:
    return STATE_KINDS.get(run.state) is StateKind.FINISHED


def timeline_end(run: FlowRun) -> datetime:
    """Where a run's timeline ends: its end once finished (its tasks then fill the width),
    else now (a running task's bar grows to the present)."""
    if finished(run) and run.end_time is not None:
        return run.end_time
    return utcnow()


def gantt_of(request: Request, run: FlowRun, rows: list[queries.TaskRow]) -> Markup:
    root = root_of(request)
    spans = [svg.Span(key=row.slug, label=row.name or row.slug, state=row.state,
                      start=row.start, end=row.end, children=row.children,
                      child_states=row.child_states or {},
                      href=None)
             for row in rows]
    return svg.gantt(spans, now=timeline_end(run), tz=zone_of(request), id_prefix="tl",
                     expand_href=lambda s: f"{root}flow-runs/{run.id}/gantt?task="
                                           f"{quote(s.key, safe='')}")


def dag_of(request: Request, run: FlowRun, rows: list[queries.TaskRow]) -> Markup:
    tasks, edges = queries.flow_tasks(request.app.state.db, run.flow_id)
    by_slug = {row.slug: row for row in rows}
    mapped = {edge.get("downstream") for edge in edges if edge.get("mapped")}
    nodes = []
    for task in tasks:
        slug = str(task.get("slug"))
        row = by_slug.get(slug)
        title = f"{task.get('name')} · {row.state if row else 'not run'}"
        if row is not None and row.message:
            title += f" · {row.message}"
        nodes.append(svg.Node(slug=slug, label=str(task.get("name") or slug),
                              state=row.state if row else None,
                              mapped=slug in mapped or bool(row and row.children),
                              title=title))
    drawn = [(str(e.get("upstream")), str(e.get("downstream")), e.get("key")) for e in edges]
    # A fixed id prefix: the same graph draws the same text, so a live page sees no change.
    return svg.dag(nodes, drawn, id_prefix="dag")


def run_values(request: Request, run: FlowRun) -> dict[str, Any]:
    """What the run's page and its live parts show: tasks, pictures, history, children."""
    db = request.app.state.db
    rows = queries.task_rows(db, run.id)
    waiting = STATE_KINDS.get(run.state) is StateKind.PENDING
    return {"run": run, "rows": rows, "finished": finished(run),
            "why": waits.why_waiting(db, run.id).reasons if waiting else [],
            "gantt": gantt_of(request, run, rows), "dag": dag_of(request, run, rows),
            "log_count": queries.log_counts(db, run.id),
            "state_history": flow_runs.list_states(db, run.id),
            "children_runs": queries.children_of(db, run.id)}


@router.get("/flow-runs/{flow_run_id}", response_class=HTMLResponse)
def run_page(request: Request, flow_run_id: str,
             level: str = Query("DEBUG", max_length=20),
             q: str | None = Query(None, max_length=1000)) -> HTMLResponse:
    viewer = see(request)
    db = request.app.state.db
    run = flow_runs.get_flow_run(db, flow_run_id)
    parent = None
    if run.parent_flow_run_id:
        try:
            parent = flow_runs.get_flow_run(db, run.parent_flow_run_id)
        except NotFound:
            parent = None
    agent_name = None
    if run.agent_id:
        with db.read() as conn:
            try:
                agent_name = agents.agent_row(conn, run.agent_id).name
            except NotFound:  # an agent deleted since
                agent_name = None
    min_level = LEVELS.get(level.upper(), 10)
    lines, cursor = logs.query_logs(db, run.id, level=min_level, text=q or None,
                                    limit=FIRST_LOG_LINES)
    more = len(lines) == FIRST_LOG_LINES
    return page(request, "flow_run.html", viewer, **run_values(request, run), parent=parent,
                agent_name=agent_name, lines=lines, cursor=cursor or "", more_lines=more,
                level=level.upper() if level.upper() in LEVELS else "DEBUG", levels=LEVELS,
                min_level=min_level, query=q or "", may_run=viewer.may(Role.RUNNER),
                failed=run.state in FAILED_STATES)


def fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:16]


@router.get("/flow-runs/{flow_run_id}/live")
def run_live(request: Request, flow_run_id: str,
             have: str = Query("", max_length=1000)) -> JSONResponse:
    """The page's changing parts, rendered, for its script to swap in while the run is live.

    ``have`` lists the parts the page holds as ``name:fingerprint`` pairs; a part that has
    not changed since is left out (a big run's graph is not sent again every 2 s).
    """
    see(request)
    run = flow_runs.get_flow_run(request.app.state.db, flow_run_id)
    values = run_values(request, run)
    held = dict(pair.partition(":")[::2] for pair in have.split(",") if ":" in pair)
    rendered = parts(request, "flow_run_parts.html", LIVE_PARTS, **values)
    prints = {name: fingerprint(html) for name, html in rendered.items()}
    response = JSONResponse({"state": run.state, "finished": values["finished"],
                             "parts": {name: html for name, html in rendered.items()
                                       if held.get(name) != prints[name]},
                             "fingerprints": prints})
    compress(request, response)
    secure_headers(response)
    return response


@router.get("/flow-runs/{flow_run_id}/gantt", response_class=HTMLResponse)
def children_gantt(request: Request, flow_run_id: str, task: str = Query(max_length=500),
                   offset: int = Query(0, ge=0, le=10_000_000)) -> HTMLResponse:
    """The timeline rows of one mapped task's children, a page at a time."""
    see(request)
    db = request.app.state.db
    run = flow_runs.get_flow_run(db, flow_run_id)
    children = queries.child_task_runs(db, run.id, task, offset, CHILD_ROWS + 1)
    spans = [svg.Span(key=f"{task}[{c.map_index}]", label=f"{c.task_name or task}"
                      f"[{c.map_index}]", state=c.state, start=c.start_time, end=c.end_time)
             for c in children[:CHILD_ROWS]]
    body = str(svg.gantt(spans, now=timeline_end(run), tz=zone_of(request),
                         id_prefix=f"tl{offset}"))
    if len(children) > CHILD_ROWS:
        following = children[CHILD_ROWS].map_index
        body += (f'<a class="more" href="{root_of(request)}flow-runs/{run.id}/gantt?task='
                 f'{quote(task, safe="")}&amp;offset={following}">Next children</a>')
    response = HTMLResponse(body)
    compress(request, response)
    secure_headers(response)
    return response


@router.get("/flow-runs/{flow_run_id}/logs.txt")
def download_logs(request: Request, flow_run_id: str) -> StreamingResponse:
    """The run's whole log as text, one line per record, read a page at a time."""
    see(request)
    db = request.app.state.db
    run = flow_runs.get_flow_run(db, flow_run_id)

    def lines() -> Iterator[bytes]:
        cursor = None
        while True:
            page_, cursor = logs.query_logs(db, run.id, cursor=cursor, limit=5000)
            for line in page_:
                stamp = line.timestamp.astimezone(UTC).isoformat()
                level = level_name(line.level)
                where = f" {line.task_slug}" if line.task_slug else ""
                if line.task_slug and line.map_index is not None and line.map_index >= 0:
                    where += f"[{line.map_index}]"
                yield f"{stamp} {level}{where} {line.name}: {line.message}\n".encode()
            if len(page_) < 5000 or cursor is None:
                return

    filename = f"flow-run-{run.id}.log"
    return StreamingResponse(lines(), media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff"})


@router.get("/flow-runs", response_class=HTMLResponse)
def runs_page(request: Request, state: list[str] | None = Query(None),
              cursor: str | None = Query(None, max_length=1000)) -> HTMLResponse:
    viewer = see(request)
    chosen = [s for s in state or [] if s in STATE_KINDS]
    runs, next_cursor = flow_runs.list_flow_runs(request.app.state.db, states=chosen or None,
                                                 cursor=cursor, limit=100)
    return page(request, "flow_runs.html", viewer, runs=runs, next_cursor=next_cursor,
                chosen_states=chosen, all_states=list(STATE_KINDS),
                may_run=viewer.may(Role.RUNNER), now=datetime.now(UTC))

