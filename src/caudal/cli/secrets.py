"""``caudal secrets``: set, list and delete the server's secrets (values are never printed)."""

from __future__ import annotations

import sys

import click

from caudal.cli.options import connection_options, make_client

__all__ = ["secrets"]


@click.group()
def secrets() -> None:
    """The server's secrets, which runs read with PrefectSecret (admin key to change)."""


@secrets.command("set")
@click.argument("name")
@click.option("--value", metavar="TEXT",
              help="The value; without it, the value is read from standard input (safer: a "
                   "command line is visible to other users). One trailing newline is dropped.")
@connection_options
def set_secret(name: str, value: str | None, api_url: str | None, api_key: str | None) -> None:
    """Set the secret NAME (replacing its value if it exists)."""
    if value is None:
        if sys.stdin.isatty():
            value = click.prompt(f"Value of secret '{name}'", hide_input=True)
        else:
            value = sys.stdin.read()
            value = value[:-1] if value.endswith("\n") else value
    with make_client(api_url, api_key) as client:
        client.set_secret(name, value)
    click.echo(f"Secret '{name}' set.")


@secrets.command("ls")
@connection_options
def list_secrets(api_url: str | None, api_key: str | None) -> None:
    """List the secrets' names, one a line."""
    with make_client(api_url, api_key) as client:
        names = client.list_secrets()
    for name in names:
        click.echo(name)


@secrets.command("rm")
@click.argument("name")
@connection_options
def delete_secret(name: str, api_url: str | None, api_key: str | None) -> None:
    """Delete the secret NAME."""
    with make_client(api_url, api_key) as client:
        client.delete_secret(name)
    click.echo(f"Secret '{name}' deleted.")
