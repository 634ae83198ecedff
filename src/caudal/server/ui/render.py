"""Rendering a page: the Jinja2 templates, the filters they use, and the headers every page
carries (Content-Security-Policy, no caching, no framing).

Links are relative to the page (``root`` is ``./`` or ``../``), never to a host or an
absolute path: the UI works behind any proxy, under any path, with no configuration.
Timestamps are shown in the viewer's chosen zone (a cookie), else the server's.
"""

from __future__ import annotations

import gzip
import math
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from caudal.server.ui.session import Viewer, csrf_token
from caudal.server.ui.svg import state_class

__all__ = ["CSP", "TZ_COOKIE", "compress", "page", "parts", "root_of", "zone_of", "zone_names"]

HERE = Path(__file__).parent
GZIP_MIN_BYTES = 2048
"""Pages larger than this are sent compressed to browsers that accept gzip."""
TZ_COOKIE = "caudal_tz"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
"""No inline script or style anywhere: everything the pages run and wear is in static/."""

_env = Environment(loader=FileSystemLoader(HERE / "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def root_of(request: Request) -> str:
    """The relative way from this page to the UI's root: ``./`` or ``../`` repeated."""
    depth = request.url.path.strip("/").count("/")
    return "../" * depth if depth else "./"


def zone_of(request: Request) -> tzinfo:
    """The zone the viewer chose (cookie), else the server's configured one."""
    for name in (request.cookies.get(TZ_COOKIE), request.app.state.settings.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


_ZONES: list[str] = []


def zone_names() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(name for name in available_timezones()
                             if "/" in name and not name.startswith(("Etc/", "SystemV/")))
                      + ["UTC"])
    return _ZONES


def when(value: datetime | None, zone: tzinfo, seconds: bool = True) -> str:
    """A timestamp in ``zone``, with the zone's abbreviation: ``2026-12-06 13:25:20 -03``."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {local.tzname() or ''}".rstrip()


def duration(seconds: float | None) -> str:
    """``850 ms``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``."""
    if seconds is None or math.isnan(seconds):
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def span(start: datetime | None, end: datetime | None, now: datetime | None = None
         ) -> float | None:
    if start is None:
        return None
    return ((end or now or datetime.now(UTC)) - start).total_seconds()


LEVEL_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, str(level))


def as_json(value: Any) -> str:
    """A value as JSON text, to be escaped like any text (Jinja's ``tojson`` is for
    scripts and shows ``<`` as ``\\u003c``)."""
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


_env.filters["duration"] = duration
_env.filters["as_json"] = as_json
_env.filters["level_name"] = level_name
_env.globals["state_class"] = state_class
_env.globals["span"] = span


def _context(request: Request, **values: Any) -> dict[str, Any]:
    zone = zone_of(request)
    return {"root": root_of(request), "request_path": request.url.path, "zone": zone,
            "zone_name": str(zone), "version": request.app.state.version,
            "when": lambda value, seconds=True: when(value, zone, seconds), **values}


def page(request: Request, template: str, viewer: Viewer | None, status_code: int = 200,
         **values: Any) -> HTMLResponse:
    """Render ``template`` with what every page needs: the way to the root, the viewer, the
    CSRF token, the zone and its formatter."""
    response = HTMLResponse("", status_code=status_code)
    context = _context(request, viewer=viewer, csrf=csrf_token(request, response),
                       zones=zone_names(),
                       auth_required=request.app.state.settings.auth_required, **values)
    response.body = response.render(_env.get_template(template).render(context))
    compress(request, response)
    secure_headers(response)
    return response


def parts(request: Request, template: str, names: tuple[str, ...], **values: Any
          ) -> dict[str, str]:
    """The macros ``names`` of ``template``, each rendered (a live page swaps them in)."""
    module = _env.get_template(template).make_module(_context(request, **values))
    return {name: str(getattr(module, name)()) for name in names}


def compress(request: Request, response: Any) -> None:
    """Send the response's body gzipped when it is large and the browser accepts gzip."""
    response.headers["vary"] = "Accept-Encoding, Cookie"
    if len(response.body) > GZIP_MIN_BYTES and \
            "gzip" in request.headers.get("accept-encoding", ""):
        response.body = gzip.compress(response.body, compresslevel=5)
        response.headers["content-encoding"] = "gzip"
    response.headers["content-length"] = str(len(response.body))


def secure_headers(response: Any) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
