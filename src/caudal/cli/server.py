"""``caudal server start``: the HTTP API, scheduler and reaper in one process."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

import click

from caudal.cli._server_options import database_option, open_database, resolve_database_url

__all__ = ["server"]


@click.group()
def server() -> None:
    """Run the caudal server."""


@server.command()
@click.option("--host", default=None, help="Address to listen on [default: 127.0.0.1; "
              "config server.host]. Any other than loopback requires API keys.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on [default: 4200; config server.port].")
@database_option
@click.option("--auth/--no-auth", default=None,
              help="Require API keys even on a loopback address [config server.auth].")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every HTTP request (never the API key).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default="info", show_default=True)
def start(host: str | None, port: int | None, database_url: str | None, auth: bool | None,
          access_log: bool, log_level: str) -> None:
    """Serve the API, and run the scheduler and the reaper, until interrupted.

    The schema is upgraded at start-up (as 'caudal db upgrade' does).
    """
    import uvicorn

    from caudal.configuration import config
    from caudal.server.app import create_app
    from caudal.server.settings import ServerSettings

    conf = config.server
    settings = ServerSettings(
        database_url=resolve_database_url(database_url),
        host=host or conf.host, port=port or int(conf.port),
        auth=bool(conf.auth) if auth is None else auth,
        scheduler_interval_s=float(conf.scheduler_interval_s),
        scheduled_runs_ahead=int(conf.scheduled_runs_ahead),
        reaper_interval_s=float(conf.reaper_interval_s),
        heartbeat_timeout_s=float(conf.heartbeat_timeout_s),
        submitted_timeout_s=float(conf.submitted_timeout_s),
        max_resubmits=int(conf.max_resubmits),
        secrets_key=conf.secrets_key,
        secrets_key_file=str(Path(config.home_dir).expanduser() / "secrets.key"),
        timezone=str(conf.timezone or "UTC"),
    )
    logging.getLogger("caudal.server").setLevel(log_level.upper())
    app = create_app(settings, db=open_database(settings.database_url))
    # What start-up made lives as long as the process: out of the collector's way, so that
    # its full passes (over every object) do not stall requests that build large pages.
    gc.collect()
    gc.freeze()
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    keys = "required" if settings.auth_required else "not required (loopback only)"
    click.echo(f"caudal server on http://{shown_host}:{settings.port} "
               f"(database {app.state.db.display_url}; API keys {keys})", err=True)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port,
                                           log_level=log_level, access_log=access_log,
                                           lifespan="on"))
    shutdown = server.shutdown

    async def end_waits_then_shut_down(sockets: Any = None) -> None:
        # Agents' claims wait up to a minute and event streams an hour: end them first, or
        # the shutdown would wait for them.
        app.state.run_events.close()
        await shutdown(sockets)

    server.shutdown = end_waits_then_shut_down  # type: ignore[method-assign]
    server.run()

