"""What every UI route shares: who may see a page, who may act, and the answers to a viewer
who may not (a login page for pages, 403 for actions)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse

from caudal.server.ui.render import root_of, secure_headers
from caudal.server.ui.session import Viewer, check_csrf, viewer_of
from caudal.wire.auth import Role

__all__ = ["LoginNeeded", "Refused", "act", "back_to", "see", "see_or_none"]


class LoginNeeded(Exception):
    """The page needs a session; answered with the login page's address."""

    def __init__(self, request: Request) -> None:
        super().__init__("login needed")
        path = request.url.path.lstrip("/")
        query = f"?{request.url.query}" if request.url.query else ""
        self.location = f"{root_of(request)}login?next={quote(path + query, safe='')}"


class Refused(Exception):
    """An action the viewer may not take (role, CSRF); answered 403 with ``message``."""

    def __init__(self, message: str, status_code: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def see_or_none(request: Request) -> Viewer | None:
    return viewer_of(request)


def see(request: Request) -> Viewer:
    """The viewer of a page (any role), or the login page."""
    viewer = viewer_of(request)
    if viewer is None:
        raise LoginNeeded(request)
    return viewer


def act(request: Request, role: Role, csrf: str | None) -> Viewer:
    """The viewer of an action that needs ``role`` and a valid CSRF token.

    Raises:
        Refused: no session, too low a role, or a missing or wrong CSRF token.
    """
    viewer = viewer_of(request)
    if viewer is None:
        raise Refused("Log in first: this action needs a session.", 401)
    if not check_csrf(request, csrf):
        raise Refused("This form is out of date or did not come from this site (its CSRF "
                      "token does not match); reload the page and try again.")
    if not viewer.may(role):
        raise Refused(f"This action needs the '{role.value}' role; you are logged in with a "
                      f"'{viewer.role.value}' key.")
    return viewer


def back_to(request: Request, target: str) -> RedirectResponse:
    """A 303 to ``target``, a path relative to the UI's root (``flow-runs/ID``)."""
    response = RedirectResponse(root_of(request) + target.lstrip("/"), status_code=303)
    secure_headers(response)
    return response
