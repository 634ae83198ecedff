"""``caudal auth``: API keys, made on the server's own database by whoever runs the server."""

from __future__ import annotations

import click

from caudal.cli._server_options import database_option, open_database

__all__ = ["auth"]


@click.group()
def auth() -> None:
    """Manage API keys (run where the server's database is reachable)."""


@auth.command("create-key")
@click.option("--role", type=click.Choice(["viewer", "runner", "admin"]), required=True,
              help="viewer reads; runner also runs flows and agents; admin also registers "
                   "flows and manages keys.")
@click.option("--name", default=None, help="A name to recognise the key by [default: the role].")
@database_option
def create_key(role: str, name: str | None, database_url: str | None) -> None:
    """Create an API key and print it, once; only its digest is stored."""
    from caudal.server.services.api_keys import create_api_key
    from caudal.wire.auth import Role

    created = create_api_key(open_database(database_url), name or role, Role(role))
    click.echo(created.key)
    click.echo(f"Created {role} key '{created.name}' ({created.id}). It is shown only this "
               "once: give it to the client as CAUDAL_API_KEY.", err=True)


@auth.command("ls")
@database_option
def list_keys(database_url: str | None) -> None:
    """List the keys that work (never their text)."""
    from caudal.server.services.api_keys import list_api_keys

    keys = list_api_keys(open_database(database_url))
    if not keys:
        click.echo("No API keys. Create one with 'caudal auth create-key --role admin'.")
    for key in keys:
        click.echo(f"{key.id}  {key.role.value:<6}  {key.prefix}…  {key.name}  "
                   f"created {key.created:%Y-%m-%d %H:%M}")


@auth.command("revoke")
@click.argument("key_id")
@database_option
def revoke(key_id: str, database_url: str | None) -> None:
    """Revoke a key by id (see 'caudal auth ls'); servers stop accepting it within 5 s."""
    from caudal.server.errors import NotFound
    from caudal.server.services.api_keys import revoke_api_key

    try:
        revoke_api_key(open_database(database_url), key_id)
    except NotFound as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"Revoked API key {key_id}.")
