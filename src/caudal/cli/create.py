"""``caudal create project``: make the folders flows are registered in."""

from __future__ import annotations

import click

from caudal.cli.options import connection_options, make_client
from caudal.exceptions import ClientError

__all__ = ["create"]


@click.group()
def create() -> None:
    """Create objects on the server."""


@create.command("project")
@click.argument("name")
@click.option("--description", "-d", metavar="TEXT", help="What the project's flows are for.")
@connection_options
def create_project(name: str, description: str | None, api_url: str | None,
                   api_key: str | None) -> None:
    """Create the project NAME; nothing changes if it exists already."""
    with make_client(api_url, api_key) as client:
        try:
            project_id = client.create_project(name, description)
        except ClientError as exc:
            if exc.status_code != 409:
                raise
            click.echo(f"Project '{name}' already exists.")
            return
    click.echo(f"Created project '{name}' (ID: {project_id}).")
