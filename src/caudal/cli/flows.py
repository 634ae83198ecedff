"""``caudal flows ls``: the flows registered on the server."""

from __future__ import annotations

import click
from rich.text import Text

from caudal.cli.options import connection_options, make_client
from caudal.cli.output import format_time, print_table

__all__ = ["flows"]


@click.group()
def flows() -> None:
    """Registered flows."""


@flows.command("ls")
@click.option("--project", "-p", metavar="NAME", help="Only flows of this project.")
@click.option("--name", "-n", metavar="NAME", help="Only flows with this name.")
@click.option("--all-versions", is_flag=True,
              help="Every version, archived ones too (default: the latest of each flow).")
@connection_options
def list_flows(project: str | None, name: str | None, all_versions: bool,
               api_url: str | None, api_key: str | None) -> None:
    """List the latest version of each flow (every version with --all-versions)."""
    with make_client(api_url, api_key) as client:
        versions = client.list_flows(project=project, name=name, include_archived=all_versions)
    if not versions:
        where = f" in project '{project}'" if project else ""
        click.echo(f"No flows found{where}.")
        return
    columns = ["NAME", "PROJECT", "VERSION", "LABELS", "SCHEDULE", "REGISTERED", "ID"]
    if all_versions:
        columns.insert(3, "ARCHIVED")
    rows = []
    for v in sorted(versions, key=lambda v: (v.project, v.name, -v.version)):
        schedule = "-" if v.schedule is None else ("on" if v.schedule_active else "off")
        row: list[str | Text] = [v.name, v.project, str(v.version), ", ".join(v.labels) or "-",
                                 schedule, format_time(v.created), v.id]
        if all_versions:
            row.insert(3, "yes" if v.archived else "no")
        rows.append(row)
    print_table(None, columns, rows)
