"""The database option that the server-side commands (server, db, auth) share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["database_option", "resolve_database_url"]


def database_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database-url", envvar="CAUDAL_DATABASE_URL", default=None, metavar="URL",
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
             "[env CAUDAL_DATABASE_URL; default: caudal.db in CAUDAL_HOME]",
    )(command)


def resolve_database_url(given: str | None) -> str:
    """The URL given, else the config's, else the embedded SQLite file in caudal's home."""
    from caudal.configuration import config
    from caudal.server.db.engine import default_sqlite_url, normalize_url

    url = given or config.server.database_url or default_sqlite_url(config.home_dir)
    try:
        normalize_url(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--database-url'") from None
    return url


def open_database(given: str | None) -> Any:
    """An upgraded Database for the URL (``caudal auth`` needs the tables to exist)."""
    from caudal.server.db import migrations
    from caudal.server.db.engine import Database

    db = Database(resolve_database_url(given))
    try:
        if not migrations.is_up_to_date(db):
            migrations.upgrade(db)
    except Exception as exc:  # a dead or unreachable database: say which, plainly
        raise click.ClickException(
            f"Cannot open the database at {db.display_url}: {type(exc).__name__}: {exc}"
        ) from None
    return db
