"""The web UI: server-rendered pages (Jinja2) served by the server itself at ``/``.

Pictures (run-history bars, the task-run timeline, the DAG) are drawn here as SVG
(``svg.py``); live updates come over Server-Sent Events; the only JavaScript and CSS are the
hand-written files in ``static/``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["mount"]

ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
        '<path d="M2 8c3-5 7-5 9-2l3-3v10l-3-3c-2 3-6 3-9-2z" fill="#27b1ff"/></svg>')
API_PREFIXES = ("/api/", "/graphql", "/health", "/metrics", "/docs", "/openapi.json",
                "/redoc")


class CachedStatic(StaticFiles):
    """The UI's script and styles, cached by browsers for a day (pages ask for them with
    the server's version in the address, so a new version is fetched at once)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def is_page(request: Request) -> bool:
    """Whether the request is for the UI (answered in HTML) rather than the API (JSON)."""
    path = request.url.path
    return not any(path == p.rstrip("/") or path.startswith(p) for p in API_PREFIXES)


def mount(app: FastAPI) -> None:
    """Serve the UI from ``app``: pages at ``/``, files at ``/static``; errors on pages
    answered as pages, errors on the API as before."""
    from caudal.server.errors import ServiceError
    from caudal.server.ui import actions, dashboard, flows_pages, login, run_page
    from caudal.server.ui.render import page, secure_headers
    from caudal.server.ui.routing import LoginNeeded, Refused, see_or_none
    from caudal.server.ui.session import Sealer

    app.state.ui_sealer = Sealer()
    for module in (login, dashboard, flows_pages, run_page, actions):
        app.include_router(module.router)
    app.mount("/static", CachedStatic(packages=[("caudal.server.ui", "static")]),
              name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(ICON, media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})

    async def login_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginNeeded)
        response = RedirectResponse(exc.location, status_code=303)
        secure_headers(response)
        return response

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return await _problem(request, exc.status_code, "Not done", exc.message)

    api_handler = app.exception_handlers.get(ServiceError)

    async def service_error(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, ServiceError)
        if not is_page(request) and api_handler is not None:
            return await api_handler(request, exc)
        titles = {404: "Not found", 409: "Not done", 422: "Not valid", 503: "Unavailable"}
        return await _problem(request, exc.status_code,
                              titles.get(exc.status_code, "Problem"), str(exc.detail))

    async def _problem(request: Request, status: int, title: str, message: str) -> Response:
        import anyio.to_thread

        viewer = await anyio.to_thread.run_sync(see_or_none, request)
        return page(request, "error.html", viewer, status_code=status, title=title,
                    message=message)

    app.add_exception_handler(LoginNeeded, login_needed)
    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(ServiceError, service_error)
