"""What routes share: the database of the app, the role dependencies, and error answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from caudal.server.auth import require
from caudal.server.db.engine import Database
from caudal.server.errors import Invalid
from caudal.wire._base import normalize_name
from caudal.wire.auth import Role
from caudal.wire.errors import ApiError

__all__ = ["ADMIN", "AUTH_ERRORS", "RUNNER", "VIEWER", "database", "error", "json_response",
           "query_name", "refuse_nul", "write"]

T = TypeVar("T")


async def database(request: Request) -> Database:
    # async: a plain function dependency would cost a hop to the thread pool per request.
    return request.app.state.db


async def write(request: Request, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service that writes, in the app's writer threads (``caudal.server.writes``):
    its wait for the database never holds a thread that reads need, and a deadlock it loses
    is run again instead of reaching the caller."""
    return await request.app.state.writes.run(service, *args, **kwargs)


async def refuse_nul(request: Request, items: list[dict[str, Any]]) -> None:
    """Refuse a batch (plain dicts, validated without a model per item, so without the
    models' own check) whose text holds a NUL character, as a model would refuse it.

    JSON can only carry NUL as the escape ``\\u0000``: the items are searched only when
    the body holds one.

    Raises:
        RequestValidationError: the items and fields that hold one (422).
    """
    if b"\\u0000" not in await request.body():
        return
    errors = [{"type": "value_error", "loc": ("body", index),
               "msg": f"Value error, '{name}' must not contain NUL characters", "input": None}
              for index, item in enumerate(items) for name, value in item.items()
              if isinstance(value, str) and "\x00" in value]
    if errors:
        raise RequestValidationError(errors)


VIEWER = Depends(require(Role.VIEWER))
RUNNER = Depends(require(Role.RUNNER))
ADMIN = Depends(require(Role.ADMIN))


def error(description: str) -> dict[str, Any]:
    """An error answer for a route's ``responses``: what it means, with the ApiError body."""
    return {"description": description, "model": ApiError}


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("No API key was sent, or the server does not know it (keys required)."),
    403: error("The API key's role is too low for this request."),
}
"""What every /api route can answer when the server requires API keys."""


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as a JSON response, serialised once.

    A route that returns its model instead has FastAPI check it against the route's response
    model a second time, which doubled the cost of the busiest routes; the route's return
    annotation still documents the shape in the OpenAPI document.
    """
    return Response(model.model_dump_json(), status_code=status_code,
                    media_type="application/json")


def query_name(value: str | None, parameter: str) -> str | None:
    """A name from the query string, spelt as names are stored (``normalize_name``), so
    that ``?name=etl%20`` finds the flow ``etl``.

    Raises:
        Invalid: the name cannot be one (empty, or holding an invisible character).
    """
    if value is None:
        return None
    try:
        return normalize_name(value)
    except ValueError as exc:
        raise Invalid(f"Invalid request: {parameter}: {exc}.") from exc
