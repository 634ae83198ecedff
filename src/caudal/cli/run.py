"""``caudal run``: start a flow run now, and optionally watch it to the end."""

from __future__ import annotations

import click

from caudal.cli.logs import echo_logs
from caudal.cli.options import connection_options, make_client, parse_level, parse_params
from caudal.cli.output import format_time
from caudal.wire.states import SUCCESS_STATES

__all__ = ["run"]


@click.command()
@click.option("--name", "-n", "flow_name", metavar="NAME", help="The flow to run (its latest "
              "version).")
@click.option("--id", "-i", "flow_id", metavar="FLOW_ID", help="The flow version to run, by id "
              "(instead of --name).")
@click.option("--project", "-p", metavar="NAME",
              help="The flow's project; needed when several projects have a flow of that name.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value, read as JSON when it parses (n=3, ok=true) and as text "
                   "otherwise; repeat for several.")
@click.option("--params-json", metavar="JSON", help="Parameter values as a JSON object; "
              "--param values override it.")
@click.option("--label", "-l", "labels", multiple=True, metavar="LABEL",
              help="A label for the run (replaces the flow's labels); repeat for several.")
@click.option("--run-name", metavar="NAME", help="The run's name (the server picks one "
              "otherwise).")
@click.option("--idempotency-key", metavar="KEY",
              help="If a run was created with this key, show it instead of creating another.")
@click.option("--watch", "-w", is_flag=True, help="Follow the run's states and logs until it "
              "finishes; exit 0 if it succeeded, 1 otherwise.")
@click.option("--level", default="INFO", show_default=True, metavar="LEVEL",
              help="With --watch, only log lines at this level or above.")
@click.option("--poll-interval", default=1.0, hidden=True, type=float)
@connection_options
def run(flow_name: str | None, flow_id: str | None, project: str | None,
        params: tuple[str, ...], params_json: str | None, labels: tuple[str, ...],
        run_name: str | None, idempotency_key: str | None, watch: bool, level: str,
        poll_interval: float, api_url: str | None, api_key: str | None) -> None:
    """Create a run of a flow, due now."""
    if (flow_name is None) == (flow_id is None):
        raise click.UsageError("Name the flow to run with --name NAME (or --id FLOW_ID).")
    parameters = parse_params(params, params_json)
    threshold = parse_level(level)
    with make_client(api_url, api_key) as client:
        flow_run = client.schedule_flow_run({
            "flow_id": flow_id, "flow_name": flow_name, "project": project,
            "parameters": parameters, "labels": sorted(set(labels)) if labels else None,
            "run_name": run_name, "idempotency_key": idempotency_key,
        })
        click.echo(f"Flow run '{flow_run.name}' of flow '{flow_run.flow_name}' (version "
                   f"{flow_run.flow_version}, project '{flow_run.project}') is "
                   f"{flow_run.state}, due {format_time(flow_run.scheduled_start_time)}.")
        click.echo(f"└── ID: {flow_run.id}")
        if not watch:
            return
        from caudal.backend import watch_flow_run

        try:
            echo_logs(watch_flow_run(flow_run.id, level=threshold,
                                     poll_interval_s=poll_interval, client=client))
        except KeyboardInterrupt:
            click.echo(f"Stopped watching; flow run '{flow_run.name}' goes on on the server.",
                       err=True)
            raise SystemExit(130) from None
        final = client.get_flow_run(flow_run.id)
    message = f": {final.state_message}" if final.state_message else ""
    click.echo(f"Flow run '{final.name}' finished in state {final.state}{message}")
    if final.state not in SUCCESS_STATES:
        raise SystemExit(1)
