"""``caudal db upgrade`` and ``caudal db current``: the schema, by Alembic migrations."""

from __future__ import annotations

import click

from caudal.cli._server_options import database_option, resolve_database_url

__all__ = ["db"]


@click.group()
def db() -> None:
    """Manage the server's database schema."""


@db.command()
@database_option
def upgrade(database_url: str | None) -> None:
    """Bring the schema up to date (also done by 'caudal server start')."""
    from caudal.server.db import migrations
    from caudal.server.db.engine import Database

    database = Database(resolve_database_url(database_url))
    try:
        before = migrations.current_revision(database)
        migrations.upgrade(database)
    except Exception as exc:  # an unreachable database: name it and stop
        raise click.ClickException(
            f"Cannot upgrade the database at {database.display_url}: "
            f"{type(exc).__name__}: {exc}") from None
    head = migrations.head_revision()
    if before == head:
        click.echo(f"Database {database.display_url} is already at revision {head}.")
    else:
        click.echo(f"Upgraded {database.display_url} from revision {before or '(empty)'} "
                   f"to {head}.")


@db.command()
@database_option
def current(database_url: str | None) -> None:
    """Show the schema revision of the database and the newest one this caudal has."""
    from caudal.server.db import migrations
    from caudal.server.db.engine import Database

    database = Database(resolve_database_url(database_url))
    try:
        revision = migrations.current_revision(database)
    except Exception as exc:  # an unreachable database
        raise click.ClickException(f"Cannot read the database at {database.display_url}: "
                                   f"{type(exc).__name__}: {exc}") from None
    click.echo(f"{database.display_url}: revision {revision or '(empty)'}; "
               f"newest {migrations.head_revision()}.")
