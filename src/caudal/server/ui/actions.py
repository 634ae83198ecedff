"""What the pages' buttons do: run a flow, cancel, restart or run a run again (alone or many
at once), and switch schedules. Each needs its role and the form's CSRF token, goes through
the same services as the API (and so the same checks and races), and answers with the page
to look at next."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from caudal.server.errors import ServiceError
from caudal.server.services import flow_runs, flows, schedules, states
from caudal.server.ui.flows_pages import start_run
from caudal.server.ui.login import safe_next
from caudal.server.ui.routing import Refused, act, back_to
from caudal.wire.auth import Role
from caudal.wire.runs import FlowRunCreate, StateSet
from caudal.wire.states import FAILED_STATES, RESTARTED_MESSAGE

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
MAX_BULK = 500


@router.post("/flows/{flow_id}/run")
async def run_flow(request: Request, flow_id: str) -> Response:
    form = {key: value for key, value in (await request.form()).items()
            if isinstance(value, str)}

    def run() -> Response:
        act(request, Role.RUNNER, form.get("csrf"))  # may read the database: in a thread
        return start_run(request, flow_id, form)

    return await anyio.to_thread.run_sync(run)


def restart(db: object, flow_run_id: str) -> None:
    """A failed run back to Scheduled, from where it failed (as ``caudal run restart``).

    Raises:
        Refused: the run is not in a failed state.
    """
    run = flow_runs.get_flow_run(db, flow_run_id)  # type: ignore[arg-type]
    if run.state not in FAILED_STATES:
        raise Refused(f"Flow run '{run.name}' is {run.state}: only a failed run restarts "
                      "from where it failed.", 409)
    states.set_flow_run_state(db, flow_run_id, StateSet(  # type: ignore[arg-type]
        state="Scheduled", version=run.version, message=RESTARTED_MESSAGE))


@router.post("/flow-runs/{flow_run_id}/cancel")
def cancel_run(request: Request, flow_run_id: str, csrf: str = Form("")) -> Response:
    act(request, Role.RUNNER, csrf)
    states.cancel_flow_run(request.app.state.db, flow_run_id)
    return back_to(request, f"flow-runs/{flow_run_id}")


@router.post("/flow-runs/{flow_run_id}/restart")
def restart_run(request: Request, flow_run_id: str, csrf: str = Form("")) -> Response:
    act(request, Role.RUNNER, csrf)
    restart(request.app.state.db, flow_run_id)
    return back_to(request, f"flow-runs/{flow_run_id}")


@router.post("/flow-runs/{flow_run_id}/run-again")
def run_again(request: Request, flow_run_id: str, csrf: str = Form("")) -> Response:
    """A new run of the same flow version, with the same parameters and labels."""
    act(request, Role.RUNNER, csrf)
    db = request.app.state.db
    run = flow_runs.get_flow_run(db, flow_run_id)
    new, _ = flow_runs.create_flow_run(db, FlowRunCreate(
        flow_id=run.flow_id, parameters=run.parameters, labels=run.labels))
    return back_to(request, f"flow-runs/{new.id}")


@router.post("/flow-runs/bulk")
async def bulk(request: Request) -> Response:
    """Cancel or restart every selected run; the list page says what became of each."""
    form = await request.form()
    await anyio.to_thread.run_sync(act, request, Role.RUNNER, str(form.get("csrf") or ""))
    action = str(form.get("action") or "")
    ids = [str(value) for value in form.getlist("run")][:MAX_BULK]
    if action not in ("cancel", "restart"):
        raise Refused("Choose Cancel or Restart for the selected runs.", 422)
    if not ids:
        raise Refused("Select at least one run first.", 422)

    def apply() -> tuple[int, list[str]]:
        db = request.app.state.db
        done, problems = 0, []
        for run_id in ids:
            try:
                if action == "cancel":
                    states.cancel_flow_run(db, run_id)
                else:
                    restart(db, run_id)
                done += 1
            except (ServiceError, Refused) as exc:
                detail = exc.detail if isinstance(exc, ServiceError) else exc.message
                problems.append(str(detail))
        return done, problems

    done, problems = await anyio.to_thread.run_sync(apply)
    if problems:
        done_word = {"cancel": "cancelled", "restart": "restarted"}[action]
        raise Refused(f"{done} of {len(ids)} runs were {done_word}; the others could not be: "
                      + " ".join(problems[:20]), 409)
    return back_to(request, "flow-runs")


@router.post("/flows/{flow_id}/schedule")
def switch_schedule(request: Request, flow_id: str, active: str = Form(""),
                    next: str = Form(""), csrf: str = Form("")) -> Response:
    act(request, Role.ADMIN, csrf)
    schedules.set_schedule_active(request.app.state.db, flow_id, active == "true",
                                  request.app.state.settings.scheduled_runs_ahead)
    return back_to(request, safe_next(next) or f"flows/{flow_id}")


@router.post("/projects/schedules")
def switch_project_schedules(request: Request, project: str = Form(""),
                             active: str = Form(""), csrf: str = Form("")) -> Response:
    """Switch the schedule of every flow of ``project`` that has one."""
    act(request, Role.ADMIN, csrf)
    db = request.app.state.db
    for flow in flows.list_flows(db, project=project):
        if flow.schedule:
            schedules.set_schedule_active(db, flow.id, active == "true",
                                          request.app.state.settings.scheduled_runs_ahead)
    return back_to(request, "flows")
