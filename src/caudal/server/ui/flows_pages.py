"""The flows page (every flow with its last runs) and a flow's own page: versions,
parameters, schedule and next runs, highlighted source, run history, and the Run form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from caudal.server.errors import Invalid, ServiceError
from caudal.server.services import flow_runs, flows
from caudal.server.services.common import utcnow
from caudal.server.ui import queries, svg
from caudal.server.ui.render import duration, page, root_of, span
from caudal.server.ui.routing import back_to, see
from caudal.wire.auth import Role
from caudal.wire.flows import FlowParameter, FlowVersion
from caudal.wire.runs import FlowRunCreate
from caudal.wire.states import STATE_KINDS

__all__ = ["ParameterField", "parameter_fields", "read_parameters", "router"]

router = APIRouter(include_in_schema=False)
STRIP_RUNS = 12
"""Runs in a flow's history strip on the flows page."""


def history_strip(runs: list[queries.StripRun], root: str) -> Markup:
    """A flow's last runs as bars coloured by state, height by duration."""
    now = utcnow()
    bars = [svg.RunBar(state=run.state,
                       duration_s=span(run.start_time, run.end_time, now),
                       href=f"{root}flow-runs/{run.id}",
                       title=f"{run.name} · {run.state} · "
                             f"{duration(span(run.start_time, run.end_time, now))}")
            for run in runs]
    return svg.run_bars(bars, width=240, height=32)


@router.get("/flows", response_class=HTMLResponse)
def flows_page(request: Request) -> HTMLResponse:
    viewer = see(request)
    db = request.app.state.db
    versions = flows.list_flows(db)
    strips = queries.last_runs_by_group(db, [f.flow_group_id for f in versions], utcnow(),
                                        STRIP_RUNS)
    root = root_of(request)
    projects = [(project, list(items))
                for project, items in groupby(versions, key=lambda f: f.project)]
    return page(request, "flows.html", viewer, projects=projects,
                strips={group: history_strip(runs, root) for group, runs in strips.items()},
                may_switch=viewer.may(Role.ADMIN))


@dataclass(frozen=True)
class ParameterField:
    """One input of the Run form, its kind taken from the parameter's default."""

    name: str
    kind: str  # "bool", "int", "float", "text" or "json"
    required: bool
    default: Any
    value: str
    error: str | None = None

    @property
    def default_text(self) -> str:
        """The default as the form shows it; an empty text default is shown as ``""``."""
        if self.default == "" and self.kind == "text":
            return '""'
        return _as_text(self.default, self.kind)


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "text"
    return "json"


def _as_text(value: Any, kind: str) -> str:
    if value is None and kind != "json":
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("int", "float", "text"):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def parameter_fields(parameters: list[FlowParameter], given: dict[str, str] | None = None,
                     errors: dict[str, str] | None = None) -> list[ParameterField]:
    fields = []
    for parameter in parameters:
        kind = _kind(parameter.default)
        value = (given or {}).get(parameter.name)
        if value is None:
            value = "" if parameter.required and parameter.default is None else \
                _as_text(parameter.default, kind)
        fields.append(ParameterField(parameter.name, kind, parameter.required,
                                     parameter.default, value, (errors or {}).get(parameter.name)))
    return fields


def read_parameters(parameters: list[FlowParameter], form: dict[str, str]
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """The run's parameters from the form's text, and an error per field that is wrong.

    An empty optional field keeps the flow's default (it is not sent).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for parameter in parameters:
        kind = _kind(parameter.default)
        text = form.get(parameter.name, "")
        if text.strip() == "" and kind != "text":
            if parameter.required:
                errors[parameter.name] = "Required: give a value."
            continue
        if kind == "text" and text == "" and parameter.required:
            errors[parameter.name] = "Required: give a value."
            continue
        try:
            if kind == "bool":
                if text not in ("true", "false"):
                    raise ValueError("choose true or false")
                value: Any = text == "true"
            elif kind == "int":
                value = int(text.strip())
            elif kind == "float":
                value = float(text.strip())
            elif kind == "text":
                value = text
            else:
                value = json.loads(text)
        except ValueError as exc:
            errors[parameter.name] = {
                "int": "Expected a whole number, such as 10.",
                "float": "Expected a number, such as 2.5.",
                "json": f"Expected JSON (a list, object, number, string in quotes, true, "
                        f"false or null): {exc}.",
            }.get(kind, str(exc))
            continue
        values[parameter.name] = value
    return values, errors


@lru_cache(maxsize=1)
def code_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".code")


@router.get("/code.css")
def code_stylesheet() -> Response:
    """The colours of highlighted source code (made by Pygments, not stored in the tree)."""
    return Response(code_css(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=86400"})


def highlighted(source: str | None) -> Markup | None:
    if not source:
        return None
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return Markup(highlight(source, PythonLexer(), HtmlFormatter(cssclass="code",
                                                                  linenos="table")))


def describe_clocks(flow: FlowVersion) -> list[dict[str, Any]]:
    """Each clock of the flow's schedule: its kind, timing, parameters and labels."""
    if not flow.schedule:
        return []
    from caudal.server.services.schedules import read_schedule

    try:
        schedule = read_schedule(flow.schedule, flow.name)
    except Invalid as exc:
        return [{"kind": "unreadable", "timing": str(exc), "parameters": {}, "labels": []}]
    described = []
    for clock in schedule.clocks:
        timing = []
        for attribute in ("interval", "cron", "start_date", "end_date", "day_or"):
            value = getattr(clock, attribute, None)
            if value is not None and not (attribute == "day_or" and value is True):
                timing.append(f"{attribute.replace('_', ' ')}: {value}")
        described.append({"kind": type(clock).__name__, "timing": "; ".join(timing),
                          "parameters": dict(getattr(clock, "parameter_defaults", None) or {}),
                          "labels": list(getattr(clock, "labels", None) or [])})
    return described


def _flow_page(request: Request, flow_id: str, form: dict[str, str] | None = None,
               errors: dict[str, str] | None = None, problem: str | None = None,
               state: list[str] | None = None, cursor: str | None = None,
               status_code: int = 200) -> HTMLResponse:
    viewer = see(request)
    db = request.app.state.db
    flow = flows.get_flow(db, flow_id)
    versions = flows.list_versions(db, flow_id)
    latest = max(versions, key=lambda v: v.version) if versions else flow
    history, next_cursor = flow_runs.list_flow_runs(
        db, flow_group_id=flow.flow_group_id, states=state or None, cursor=cursor, limit=50)
    return page(request, "flow.html", viewer, status_code=status_code, flow=flow,
                latest=latest, versions=versions, clocks=describe_clocks(flow),
                upcoming=queries.upcoming_runs(db, utcnow(), 10, flow.flow_group_id),
                source=highlighted(flows.flow_source(db, flow_id)),
                fields=parameter_fields(flow.parameters, form, errors), problem=problem,
                history=history, next_cursor=next_cursor, chosen_states=state or [],
                all_states=list(STATE_KINDS), may_run=viewer.may(Role.RUNNER),
                may_switch=viewer.may(Role.ADMIN), form=form or {})


@router.get("/flows/{flow_id}", response_class=HTMLResponse)
def flow_page(request: Request, flow_id: str, state: list[str] | None = Query(None),
              cursor: str | None = Query(None, max_length=1000)) -> HTMLResponse:
    return _flow_page(request, flow_id, state=[s for s in state or [] if s], cursor=cursor)


def start_run(request: Request, flow_id: str, form: dict[str, str]) -> Response:
    """Create a run from the Run form, or show the form again with what is wrong."""
    db = request.app.state.db
    flow = flows.get_flow(db, flow_id)
    values, errors = read_parameters(flow.parameters, form)
    labels = [label.strip() for label in form.get("labels", "").split(",") if label.strip()]
    if errors:
        return _flow_page(request, flow_id, form, errors,
                          "Some parameters are not valid; nothing was started.",
                          status_code=422)
    try:
        run, _ = flow_runs.create_flow_run(db, FlowRunCreate(
            flow_id=flow.id, parameters=values, run_name=form.get("run_name") or None,
            labels=labels or None))
    except ServiceError as exc:
        return _flow_page(request, flow_id, form, None, str(exc.detail), status_code=422)
    except ValueError as exc:  # the request model's own checks (a name too long...)
        return _flow_page(request, flow_id, form, None, f"Not started: {exc}",
                          status_code=422)
    return back_to(request, f"flow-runs/{run.id}")
