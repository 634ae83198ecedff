"""create_app(settings): the API's routes and error handlers, and the background loops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from caudal.server.auth import KeyCache
from caudal.server.db import migrations
from caudal.server.db.engine import Database
from caudal.server.errors import ServiceError, Unavailable
from caudal.server.events import RunEvents
from caudal.server.loops import ServiceLoop
from caudal.server.middleware import ErrorGuard, MetricsMiddleware, RequestGuard
from caudal.server.reaper import Reaper
from caudal.server.scheduler import Scheduler
from caudal.server.secret_box import SecretBox
from caudal.server.settings import ServerSettings
from caudal.server.writes import WriteQueue
from caudal.wire.errors import ApiError

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
        graphql,
        health,
        log_stream,
        logs,
        metrics,
        projects,
        secrets,
        task_runs,
    )

    database = db or Database(settings.database_url)
    events = RunEvents()
    # Every committed run change reaches waiting claims and watchers, whoever made it.
    database.on_commit = events.publish
    scheduler = Scheduler(database, settings.scheduled_runs_ahead)
    reaper = Reaper(database, settings.heartbeat_timeout_s, settings.submitted_timeout_s,
                    settings.max_resubmits)
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
        # Every route can answer 422 (a request it cannot parse, or a NUL in the URL), always
        # with the same body; this also replaces FastAPI's own 422 shape, which we never send.
        responses={422: {"description": "The request is malformed; 'detail' says how.",
                         "model": ApiError}},
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
    app.state.writes = WriteQueue(database)
    app.state.secret_box = SecretBox(settings.secrets_key, settings.secrets_key_file)
    # Outermost last: the error guard, the request guard, then metrics (which also count the
    # guards' answers).
    app.add_middleware(ErrorGuard, db=database)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    for module in (health, metrics, projects, flows, flow_runs, task_runs, logs, agents,
                   api_keys, secrets, graphql, log_stream):
        app.include_router(module.router)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # The web UI: pages at /, answered in HTML (its errors too), same process and port.
    from caudal.server import ui

    ui.mount(app)
    # Any other exception is answered by ErrorGuard (500, or 503 for the database).
    return app


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    # RFC 9110: a 401 names the scheme that would be accepted.
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, Unavailable):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _describe(error: dict[str, Any]) -> str:
    kind, value = error.get("type"), error.get("input")
    if kind == "json_invalid":
        # FastAPI puts the character offset where a field name would go.
        at = error.get("loc", ("body", 0))[-1]
        reason = (error.get("ctx") or {}).get("error", "JSON decode error")
        return f"the body is not valid JSON ({reason} at character {at})"
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if isinstance(value, bytes):  # FastAPI parses a body as JSON only when it says it is
        return f"{where}: send JSON with the header 'Content-Type: application/json'"
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        return f"{where}: expected a JSON object, got {_json_kind(value)}"
    if kind == "list_type":
        return f"{where}: expected a JSON array, got {_json_kind(value)}"
    return f"{where}: {message}"


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


def _unreadable(cause: BaseException | None) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(cause, RecursionError):
        return "it nests too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "a number in it has too many digits"
    return "it could not be parsed"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    # Errors raised by Starlette and FastAPI themselves (unknown route, wrong method, a body
    # that is not text), reworded so that every answer's detail says what to do.
    assert isinstance(exc, StarletteHTTPException)
    status, detail = exc.status_code, str(exc.detail)
    if status == 400 and detail == "There was an error parsing the body":
        # The JSON parser gave up on the body: the same answer as any other body that is not
        # JSON, with the reason FastAPI left as the cause.
        status = 422
        detail = f"Invalid request: the body is not valid JSON ({_unreadable(exc.__cause__)})."
    elif status == 404 and detail == "Not Found":
        detail = f"There is no {request.url.path} in this API; /docs lists its routes."
    elif status == 405:
        # Not naming the Allow header's methods: they are those of one route on the path only.
        detail = (f"{request.method} {request.url.path} is not allowed; /docs lists the "
                  "methods each path takes.")
    return JSONResponse({"detail": detail}, status_code=status, headers=exc.headers)
