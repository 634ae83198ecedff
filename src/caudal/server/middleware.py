"""The app's middlewares, as plain ASGI callables.

Starlette's ``BaseHTTPMiddleware`` (what ``app.middleware("http")`` builds) costs a task
group and a response stream per request, about a third of a small request's time here; these
wrap ``send`` instead and cost a few microseconds.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

import anyio.to_thread

from caudal.server.db.engine import CommitOutcomeUnknown

__all__ = ["ErrorGuard", "MetricsMiddleware", "RequestGuard"]

logger = logging.getLogger("caudal.server")

Scope = dict[str, Any]
ASGIApp = Any

async def _refuse(send: Any, status: int, detail: str, **extra: Any) -> None:
    body = json.dumps({"detail": detail, **extra}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if status == 503:
        headers.append((b"retry-after", str(DATABASE_RETRY_AFTER_S).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


DATABASE_RETRY_AFTER_S = 2
"""What a 503 for an unreachable database asks clients to wait before sending again."""


class ErrorGuard:
    """Answers every exception that no handler took, and never lets it reach the server.

    - The database cannot be reached (``Database.is_unavailable``, or any database error
      while ``Database.is_down``): 503 with ``Retry-After``;
      the transaction was not committed, so the same request can be sent again. A warning is
      logged at most every few seconds, however many requests fail meanwhile.
    - The connection failed while committing (``CommitOutcomeUnknown``): 504, which clients
      repeat only for requests that are safe to repeat (the change may be stored).
    - Anything else: 500 with an error id, logged once with its traceback under that id.

    Re-raising (what Starlette's own error middleware does) would log each error twice and
    make the server drop the keep-alive connection, so the client's next request failed too.
    """

    def __init__(self, app: ASGIApp, db: Any, quiet_s: float = 5.0) -> None:
        self.app = app
        self.db = db
        self.quiet_s = quiet_s
        self._last_warning = 0.0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # the point of this middleware: nothing escapes it
            where = f"{scope.get('method', '')} {scope.get('path', '')}"
            if isinstance(exc, CommitOutcomeUnknown):
                logger.warning("%s: %s (%s).", where, exc, exc.__cause__)
                if not started:
                    await _refuse(send, 504, f"{exc} Read the object back before sending "
                                  "the request again.")
                return
            if self.db.is_unavailable(exc) or (self.db.is_database_error(exc)
                                               and await anyio.to_thread.run_sync(
                                                   self.db.is_down)):
                now = time.monotonic()
                if now - self._last_warning >= self.quiet_s:
                    self._last_warning = now
                    logger.warning("The database is unavailable (%s: %s); answering 503 to %s "
                                   "and to any other request until it is back.",
                                   type(exc).__name__, str(exc).splitlines()[0][:300], where)
                if not started:
                    await _refuse(send, 503, "The server cannot reach its database right now; "
                                  "nothing was written. Send the request again in a few "
                                  "seconds.")
                return
            error_id = uuid.uuid4().hex[:12]
            logger.error("Unexpected error %s answering %s", error_id, where, exc_info=exc)
            if not started:
                await _refuse(send, 500, f"Internal server error (error id {error_id}); the "
                              "server log has the traceback under this id.", error_id=error_id)


def _too_large(size: str, limit: int) -> str:
    return (f"The request body is {size}; this server takes at most {limit} bytes (its "
            "max_body_bytes setting). Send smaller batches.")


class RequestGuard:
    """Refuses, once for every route and before anything is read:

    - a URL whose path or query holds a NUL character (422): no database can store NUL in
      text, so no query should ever see one;
    - a body over ``max_body_bytes`` (413): at once when its declared length says so, or as
      soon as a body sent without a length grows past it.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The server has already percent-decoded the path, not the query string.
        query = scope.get("query_string", b"")
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await _refuse(send, 422, "Invalid request: the URL contains a NUL character.")
            return
        limit = self.max_body_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit():
                if int(value) > limit:
                    await _refuse(send, 413, _too_large(f"{int(value)} bytes", limit))
                    return
                await self.app(scope, receive, send)  # the server holds it to that length
                return
        # No declared length (a chunked body): read it here, up to the limit, then hand it
        # on. The app would read it whole anyway; this way an oversized one gets a clear 413.
        messages: list[dict[str, Any]] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > limit:
                await _refuse(send, 413, _too_large(f"over {limit} bytes", limit))
                return
            if not message.get("more_body", False):
                break

        async def replay() -> dict[str, Any]:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


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
