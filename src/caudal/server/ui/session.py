"""Who is looking at a page: the session cookie a login makes, and the CSRF token of forms.

Logging in exchanges an API key for a session: an HttpOnly, SameSite=Lax cookie holding the
key's id, sealed (encrypted and authenticated, Fernet) with a key derived from the server's
secrets key, so sessions outlive a restart and every server sharing the database accepts
them. The API key itself is never stored in the browser. A revoked key ends its sessions
within ``KeyCache``'s few seconds. When the server needs no keys (loopback, no ``--auth``)
everyone is an admin and no login is asked for, as with the API.

Every form and every action request carries a CSRF token: a random value in its own
HttpOnly cookie, written into the page, and sent back as the ``csrf`` form field or the
``X-CSRF-Token`` header; a request whose token does not match is refused.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from sqlalchemy import select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.wire.auth import Role

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "SESSION_TTL_S", "Sealer", "Viewer", "check_csrf",
           "csrf_token", "end_session", "start_session", "viewer_of"]

SESSION_COOKIE = "caudal_session"
CSRF_COOKIE = "caudal_csrf"
SESSION_TTL_S = 12 * 3600
"""A session lasts this long after its login; then the key is asked for again."""
KEY_CHECK_TTL_S = 5.0


@dataclass(frozen=True)
class Viewer:
    """The person behind a page: their role, and the key they logged in with (None when
    the server needs no keys)."""

    role: Role
    key_id: str | None = None
    key_name: str | None = None

    def may(self, role: Role) -> bool:
        return self.role.rank >= role.rank


class Sealer:
    """Seals session cookies; its key comes from the server's secrets key when there is one,
    else it is made for this process (sessions then end when the server restarts)."""

    def __init__(self) -> None:
        self._fernet: Any = None
        self._lock = threading.Lock()
        self._checked: dict[str, tuple[float, tuple[Role, str] | None]] = {}

    def fernet(self, request: Request) -> Any:
        from cryptography.fernet import Fernet

        with self._lock:
            if self._fernet is None:
                key = request.app.state.secret_box.derived_key(b"caudal ui sessions")
                self._fernet = Fernet(base64.urlsafe_b64encode(key or secrets.token_bytes(32)))
            return self._fernet

    def clear(self) -> None:
        """Forget which keys were checked (a key was revoked: its sessions end now)."""
        with self._lock:
            self._checked.clear()

    def key_role(self, db: Database, key_id: str) -> tuple[Role, str] | None:
        """The role and name of an unrevoked key, checked at most every few seconds."""
        now = time.monotonic()
        with self._lock:
            cached = self._checked.get(key_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        keys = models.api_keys
        with db.read() as conn:
            row = conn.execute(select(keys.c.role, keys.c.name).where(
                keys.c.id == key_id, keys.c.revoked.is_(False))).first()
        found = None if row is None else (Role(row.role), str(row.name))
        with self._lock:
            if len(self._checked) > 10_000:
                self._checked.clear()
            self._checked[key_id] = (now + KEY_CHECK_TTL_S, found)
        return found


def _sealer(request: Request) -> Sealer:
    return request.app.state.ui_sealer


def viewer_of(request: Request) -> Viewer | None:
    """Who is asking (a blocking read at most every few seconds per key), or None when the
    server needs keys and the request has no valid session."""
    if not request.app.state.settings.auth_required:
        return Viewer(Role.ADMIN)
    sealed = request.cookies.get(SESSION_COOKIE)
    if not sealed:
        return None
    from cryptography.fernet import InvalidToken

    sealer = _sealer(request)
    try:
        data = json.loads(sealer.fernet(request).decrypt(sealed.encode("ascii"),
                                                         ttl=SESSION_TTL_S))
        key_id = str(data["k"])
    except (InvalidToken, ValueError, KeyError, TypeError, UnicodeError):
        return None
    found = sealer.key_role(request.app.state.db, key_id)
    if found is None:
        return None
    return Viewer(found[0], key_id, found[1])


def start_session(request: Request, response: Response, key_id: str) -> None:
    """Set the session cookie for the API key ``key_id`` (already checked)."""
    sealed = _sealer(request).fernet(request).encrypt(json.dumps({"k": key_id}).encode())
    response.set_cookie(SESSION_COOKIE, sealed.decode("ascii"), max_age=SESSION_TTL_S,
                        httponly=True, samesite="lax", secure=_secure(request), path="/")
    # A new session gets a new CSRF token: one seen before the login is worth nothing.
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=True,
                        samesite="lax", secure=_secure(request), path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def csrf_token(request: Request, response: Response) -> str:
    """The request's CSRF token, made (and set as a cookie on ``response``) if it has none."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax",
                            secure=_secure(request), path="/")
    return token


def check_csrf(request: Request, sent: str | None) -> bool:
    """Whether ``sent`` (the form field, else the X-CSRF-Token header) is the request's
    CSRF token."""
    expected = request.cookies.get(CSRF_COOKIE)
    sent = sent or request.headers.get("x-csrf-token")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


def _secure(request: Request) -> bool:
    """Cookies are marked Secure when the page came over HTTPS (directly or, as a proxy
    says with X-Forwarded-Proto, in front of the server)."""
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto.split(",")[0].strip().lower() == "https"
