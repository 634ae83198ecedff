"""/health: is the server up, can it reach its database, are its loops alive."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from caudal.server.auth import key_from

logger = logging.getLogger("caudal.server")

router = APIRouter(tags=["health"])


@router.get("/health", responses={
    503: {"description": "Degraded: the database does not answer or a loop has stopped; the "
                         "body says which."}})
def health(request: Request) -> JSONResponse:
    """200 with ``status: ok`` when the database answers and every loop is alive; 503 with
    ``status: degraded`` and the reason otherwise. Needs no API key (for load balancers); the
    database's own error, which names its host, port and database, is shown only to callers
    with a valid key (or to anyone on a server that needs no keys)."""
    state = request.app.state
    body: dict[str, Any] = {"status": "ok", "version": state.version,
                            "database": "sqlite" if state.db.is_sqlite else "postgresql"}
    try:
        with state.db.read() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the point of /health is to report this, not to fail with it
        reason = f"{type(exc).__name__}: {exc}"
        logger.warning("/health: the database does not answer (%s).", reason.splitlines()[0])
        if not _may_see_details(request):
            reason = ("the database does not answer; callers with an API key see why, and "
                      "the server log says it")
        body.update(status="degraded", database_error=reason)
    body["services"] = {loop.name: loop.health() for loop in state.loops}
    if any(not s["alive"] for s in body["services"].values()):
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


def _may_see_details(request: Request) -> bool:
    """Whether the caller may see what the database said: on a server that needs no keys,
    anyone; otherwise a caller whose key the server knows (checked recently, as the key
    cache holds it, since the database cannot be asked now)."""
    state = request.app.state
    if not state.settings.auth_required:
        return True
    key = key_from(request)
    if key is None:
        return False
    hit, role = state.key_cache.cached(key)
    return hit and role is not None
