"""/health: is the server up, can it reach its database, are its loops alive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/health", responses={
    503: {"description": "Degraded: the database does not answer or a loop has stopped; the "
                         "body says which."}})
def health(request: Request) -> JSONResponse:
    """200 with ``status: ok`` when the database answers and every loop is alive; 503 with
    ``status: degraded`` and the reason otherwise. Needs no API key (for load balancers)."""
    state = request.app.state
    body: dict[str, Any] = {"status": "ok", "version": state.version,
                            "database": "sqlite" if state.db.is_sqlite else "postgresql"}
    try:
        with state.db.read() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the point of /health is to report this, not to fail with it
        body.update(status="degraded", database_error=f"{type(exc).__name__}: {exc}")
    body["services"] = {loop.name: loop.health() for loop in state.loops}
    if any(not s["alive"] for s in body["services"].values()):
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)
