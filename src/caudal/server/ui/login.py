"""Logging in with an API key, logging out, and choosing the time zone pages show."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from caudal.server.services.api_keys import lookup_role
from caudal.server.ui.render import TZ_COOKIE, page, zone_names
from caudal.server.ui.routing import Refused, back_to, see_or_none
from caudal.server.ui.session import check_csrf, end_session, start_session

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path inside the UI, never another site."""
    value = (value or "").strip()
    if not value or value.startswith(("/", "\\")) or ":" in value.split("?")[0] or \
            "//" in value or any(ord(c) < 32 for c in value):
        return ""
    return value


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    viewer = see_or_none(request)
    if viewer is not None and (viewer.key_id or not request.app.state.settings.auth_required):
        return back_to(request, safe_next(next))  # type: ignore[return-value]
    return page(request, "login.html", None, next=safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def log_in(request: Request, key: str = Form(""), next: str = Form(""),
           csrf: str = Form("")) -> HTMLResponse:
    # The login form carries a CSRF token too: no other site may log a browser in.
    if not check_csrf(request, csrf):
        return page(request, "login.html", None, status_code=403, next=safe_next(next),
                    error="The form was out of date; try again.")
    found = lookup_role(request.app.state.db, key.strip()) if key.strip() else None
    if found is None:
        return page(request, "login.html", None, status_code=401, next=safe_next(next),
                    error="That API key is not valid (unknown or revoked).")
    response = back_to(request, safe_next(next))
    start_session(request, response, found[0])
    return response  # type: ignore[return-value]


@router.post("/logout")
def log_out(request: Request, csrf: str = Form("")) -> RedirectResponse:
    if not check_csrf(request, csrf):
        raise Refused("The form was out of date; reload the page and try again.")
    response = back_to(request, "login")
    end_session(response)
    return response


@router.get("/timezone", response_class=HTMLResponse)
def zone_page(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "timezone.html", see_or_none(request), next=safe_next(next))


@router.post("/timezone")
def choose_zone(request: Request, tz: str = Form(""), next: str = Form(""),
                csrf: str = Form("")) -> RedirectResponse:
    """Remember the zone the viewer picked (a cookie, for a year)."""
    if not check_csrf(request, csrf):
        raise Refused("The form was out of date; reload the page and try again.")
    if tz not in zone_names():
        raise Refused(f"'{tz[:60]}' is not a time zone this server knows.", 422)
    response = back_to(request, safe_next(next))
    response.set_cookie(TZ_COOKIE, tz, max_age=365 * 86400, samesite="lax", path="/",
                        httponly=True)
    return response
