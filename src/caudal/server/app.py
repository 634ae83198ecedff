"""create_app(settings): the API's routes and error handlers, and the background loops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from caudal.server.auth import KeyCache
from caudal.server.db import migrations
from caudal.server.db.engine import Database
from caudal.server.errors import ServiceError
from caudal.server.events import RunEvents
from caudal.server.loops import ServiceLoop
from caudal.server.reaper import Reaper
from caudal.server.scheduler import Scheduler
from caudal.server.settings import ServerSettings

__all__ = ["create_app"]

logger = logging.getLogger("caudal.server")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("caudal")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def create_app(settings: ServerSettings, db: Database | None = None) -> FastAPI:
    """The server app.

    Args:
        settings: what to serve and how (see ``ServerSettings``).
        db: an open database to use instead of opening ``settings.database_url``.

    The schema is brought up to date at start-up (``caudal db upgrade`` does the same by
    hand); the scheduler and reaper loops run while the app runs, unless
    ``settings.run_services`` is false.
    """
    from caudal.server.api import (
        agents,
        api_keys,
        flow_runs,
        flows,
        health,
        logs,
        metrics,
        projects,
        task_runs,
    )

    database = db or Database(settings.database_url)
    events = RunEvents()
    scheduler = Scheduler(database, settings.scheduled_runs_ahead, events)
    reaper = Reaper(database, settings.heartbeat_timeout_s, settings.submitted_timeout_s,
                    settings.max_resubmits, events)
    loops = [ServiceLoop("Scheduler", scheduler.run_once, settings.scheduler_interval_s),
             ServiceLoop("Reaper", reaper.run_once, settings.reaper_interval_s)]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not migrations.is_up_to_date(database):
            logger.info("Upgrading the database schema at %s.", database.display_url)
            await asyncio.to_thread(migrations.upgrade, database)
        events.bind(asyncio.get_running_loop())
        if settings.run_services:
            for loop in loops:
                loop.start()
        try:
            yield
        finally:
            for loop in loops:
                await loop.stop()
            if db is None:
                database.dispose()

    app = FastAPI(
        title="caudal", version=_version(), lifespan=lifespan,
        description="The caudal orchestration server: flows, runs, states, logs and agents.",
    )
    app.state.settings = settings
    app.state.db = database
    app.state.version = _version()
    app.state.run_events = events
    app.state.key_cache = KeyCache()
    app.state.scheduler = scheduler
    app.state.reaper = reaper
    app.state.loops = loops
    app.state.metrics = metrics.Metrics()
    app.middleware("http")(_refuse_nul_characters)
    app.middleware("http")(app.state.metrics.middleware)
    for module in (health, metrics, projects, flows, flow_runs, task_runs, logs, agents,
                   api_keys):
        app.include_router(module.router)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    return app


async def _refuse_nul_characters(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    # No database stores NUL in text; an id or a filter holding one is refused here, once,
    # instead of by every query.
    if "\x00" in unquote(request.url.path) or "\x00" in unquote(request.url.query):
        return JSONResponse({"detail": "Invalid request: the URL contains a NUL character."},
                            status_code=422)
    return await call_next(request)


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    shown = "; ".join(_describe(e) for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return JSONResponse(
        {"detail": f"Invalid request: {shown}{more}.",
         "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                    for e in errors[:50]]},
        status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unexpected error answering %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "Internal server error; the server log has the traceback."},
                        status_code=500)
