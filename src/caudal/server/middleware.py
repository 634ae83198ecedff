"""The app's two middlewares, as plain ASGI callables.

Starlette's ``BaseHTTPMiddleware`` (what ``app.middleware("http")`` builds) costs a task
group and a response stream per request, about a third of a small request's time here; these
wrap ``send`` instead and cost a few microseconds.
"""

from __future__ import annotations

import json
import time
from typing import Any

__all__ = ["MetricsMiddleware", "NulGuard"]

Scope = dict[str, Any]
ASGIApp = Any

_NUL_BODY = json.dumps({"detail": "Invalid request: the URL contains a NUL character."}).encode()


class NulGuard:
    """Refuses a URL whose path or query holds a NUL character (422), once for every route:
    no database can store NUL in text, so no query should ever see one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        # The server has already percent-decoded the path, not the query string.
        query = scope.get("query_string", b"")
        if scope["type"] == "http" and (
                "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query):
            await send({"type": "http.response.start", "status": 422,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(_NUL_BODY)).encode())]})
            await send({"type": "http.response.body", "body": _NUL_BODY})
            return
        await self.app(scope, receive, send)


class MetricsMiddleware:
    """Counts requests and times them by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Any) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # The route's template (/api/flow-runs/{flow_run_id}), never the raw path: ids
            # would make one series per run. The router records the route in the scope.
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
