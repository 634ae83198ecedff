"""``caudal runs ls`` (recent flow runs, newest first) and ``caudal runs why ID``."""

from __future__ import annotations

import click

from caudal.cli.options import connection_options, make_client
from caudal.cli.output import format_duration, format_time, print_table, state_text
from caudal.wire.states import STATE_KINDS

__all__ = ["runs"]


@click.group()
def runs() -> None:
    """Flow runs."""


@runs.command("ls")
@click.option("--flow", "flow_name", metavar="NAME", help="Only runs of the flow with this name.")
@click.option("--project", "-p", metavar="NAME", help="Only runs of flows in this project.")
@click.option("--state", "-s", "states", multiple=True,
              type=click.Choice(sorted(STATE_KINDS), case_sensitive=False),
              help="Only runs in this state; repeat for several.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 500),
              help="Show at most this many runs.")
@connection_options
def list_runs(flow_name: str | None, project: str | None, states: tuple[str, ...], limit: int,
              api_url: str | None, api_key: str | None) -> None:
    """List flow runs, newest first."""
    with make_client(api_url, api_key) as client:
        page = client.list_flow_runs(flow_name=flow_name, project=project, states=states,
                                     limit=limit)
    if not page.items:
        click.echo("No flow runs found.")
        return
    rows = [
        [run.name, f"{run.project}/{run.flow_name}", str(run.flow_version), state_text(run.state),
         format_time(run.scheduled_start_time), format_time(run.start_time),
         format_duration(run.start_time, run.end_time), run.id]
        for run in page.items[:limit]
    ]
    print_table(None, ["NAME", "FLOW", "VERSION", "STATE", "SCHEDULED", "STARTED", "DURATION",
                       "ID"], rows)
    if page.next_cursor:
        click.echo(f"Showing the newest {len(rows)}; pass a larger --limit to see more.")


@runs.command("why")
@click.argument("flow_run_id", metavar="ID")
@connection_options
def why(flow_run_id: str, api_url: str | None, api_key: str | None) -> None:
    """Say why flow run ID has not started (not due yet, schedule paused, no agent...)."""
    with make_client(api_url, api_key) as client:
        wait = client.why_flow_run_waits(flow_run_id)
    for reason in wait.reasons:
        click.echo(reason)


@runs.command("restart")
@click.argument("flow_run_id", metavar="ID")
@connection_options
def restart(flow_run_id: str, api_url: str | None, api_key: str | None) -> None:
    """Restart failed flow run ID from where it failed: an agent runs it again, running only
    the task runs that did not succeed; the others' values are read back from where they
    were stored."""
    with make_client(api_url, api_key) as client:
        run = client.restart_flow_run(flow_run_id)
    click.echo(f"Flow run '{run.name}' is Scheduled again: an agent whose labels match runs "
               "the task runs that did not succeed.")


@runs.command("cancel")
@click.argument("flow_run_id", metavar="ID")
@connection_options
def cancel(flow_run_id: str, api_url: str | None, api_key: str | None) -> None:
    """Cancel flow run ID: at once if it has not started; a running one is stopped by its
    agent (its processes first), then ends Cancelled."""
    with make_client(api_url, api_key) as client:
        client.cancel_flow_run(flow_run_id)
        run = client.get_flow_run(flow_run_id)
    if run.state == "Cancelled":
        click.echo(f"Flow run '{run.name}' is Cancelled.")
    else:
        click.echo(f"Flow run '{run.name}' is {run.state}: its agent stops its processes, "
                   "then it ends Cancelled.")
