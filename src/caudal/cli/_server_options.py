"""The database option that the server-side commands (server, db, auth) share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["database_option", "resolve_database_url"]


def database_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-url", default=None, metavar="URL",
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
             "[env var: CAUDAL_DATABASE_URL; or config 'server.database_url', "
             "CAUDAL__SERVER__DATABASE_URL; default: caudal.db in CAUDAL_HOME]",
    )(command)


def resolve_database_url(given: str | None) -> str:
    """The URL given, else ``CAUDAL_DATABASE_URL`` or the config's (``get_setting`` decides),
    else the embedded SQLite file in caudal's home."""
    from caudal.configuration import config, get_setting
    from caudal.server.db.engine import default_sqlite_url, normalize_url

    url = (get_setting("server.database_url", given or None)
           or default_sqlite_url(config.home_dir))
    try:
        normalize_url(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--database-url'") from None
    return url


def open_database(given: str | None) -> Any:
    """The Database for the URL, its schema brought up to date first.

    The upgrade runs in a child process (see ``upgrade_in_child``), so that Alembic never stays
    in a long-running server's memory. A database that cannot be reached or upgraded stops the
    command with a message that names it.
    """
    from caudal.server.db import migrations
    from caudal.server.db.engine import Database

    url = resolve_database_url(given)
    db = Database(url)
    try:
        current = migrations.is_up_to_date(db)
    except Exception as exc:  # a dead or unreachable database: say which, plainly
        db.dispose()
        raise click.ClickException(
            f"Cannot open the database at {db.display_url}: {type(exc).__name__}: {exc}"
        ) from None
    if not current:
        click.echo(f"Upgrading the database schema at {db.display_url}...", err=True)
        db.dispose()  # no open connection crosses the fork; the pool reconnects afterwards
        try:
            migrations.upgrade_in_child(url)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
    return db
