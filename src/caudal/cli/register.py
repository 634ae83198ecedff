"""``caudal register``: register every flow in files, folders and modules into a project."""

from __future__ import annotations

import click

from caudal.cli.options import connection_options, make_client

__all__ = ["register"]


@click.command()
@click.option("--project", required=True, metavar="NAME",
              help="The project to register the flows in (create it with 'caudal create "
                   "project').")
@click.option("--path", "-p", "paths", multiple=True, metavar="PATH",
              help="A .py file, or a folder searched for them, holding flows; repeat for "
                   "several.")
@click.option("--module", "-m", "modules", multiple=True, metavar="MODULE",
              help="An importable module holding flows (pipelines.flows); repeat for several.")
@click.option("--name", "-n", "names", multiple=True, metavar="NAME",
              help="Register only the flow with this name; repeat for several (default: all).")
@click.option("--label", "-l", "labels", multiple=True, metavar="LABEL",
              help="A label to add to every flow; repeat for several.")
@click.option("--schedule/--no-schedule", default=None,
              help="Turn the flows' schedules on or off (default: leave each as it is on the "
                   "server; on for a new flow with a schedule).")
@connection_options
def register(project: str, paths: tuple[str, ...], modules: tuple[str, ...],
             names: tuple[str, ...], labels: tuple[str, ...], schedule: bool | None,
             api_url: str | None, api_key: str | None) -> None:
    """Register the flows found in --path and --module into --project.

    Unchanged flows are skipped. A flow that fails is reported and the others are still
    registered; the exit code is 1 if any failed.
    """
    from caudal.cli.registration import register_targets

    targets = [*paths, *modules]
    if not targets:
        raise click.UsageError("Say where the flows are with --path FILE_OR_FOLDER or "
                               "--module MODULE.")
    with make_client(api_url, api_key) as client:
        outcomes = register_targets(client, project, targets, flow_names=names, labels=labels,
                                    set_schedule_active=schedule, echo=click.echo)
    if any(outcome.failed for outcome in outcomes):
        raise SystemExit(1)
