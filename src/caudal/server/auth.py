"""Who is calling: API keys in ``Authorization: Bearer <key>``, roles viewer < runner < admin.

Keys are needed when the settings say so (always on a non-loopback address); without that,
every caller is an admin, as on a laptop. A key is never logged: only its digest is looked up.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import anyio.to_thread
from fastapi import Request

from caudal.server.errors import Forbidden, Unauthorized
from caudal.server.services.api_keys import digest, lookup_role, record_key_use
from caudal.wire.auth import Role

__all__ = ["KeyCache", "key_from", "require"]

logger = logging.getLogger("caudal.server")

CACHE_TTL_S = 5.0
"""How long a checked key is trusted without asking the database again (a key revoked
elsewhere, e.g. by `caudal auth revoke`, stops working within this time)."""


class KeyCache:
    """Recently checked keys by digest, so that a request costs no database read for auth."""

    def __init__(self, ttl_s: float = CACHE_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Role | None]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> tuple[bool, Role | None]:
        """Whether the key was checked recently, and its role then (``None``: unknown)."""
        with self._lock:
            entry = self._entries.get(digest(key))
        if entry is not None and entry[0] > time.monotonic():
            return True, entry[1]
        return False, None

    def load(self, db: Any, key: str) -> tuple[str, Role] | None:
        """Look the key up in the database (blocking, a read) and remember its role; the
        key's id and role, or None for an unknown key."""
        key_digest = digest(key)
        now = time.monotonic()
        found = lookup_role(db, key)
        with self._lock:
            if len(self._entries) > 10_000:  # unknown keys must not grow this without bound
                self._entries.clear()
            self._entries[key_digest] = (now + self.ttl_s, found[1] if found else None)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def key_from(request: Request) -> str | None:
    """The API key the request carries (``Authorization: Bearer`` or ``X-Caudal-Api-Key``)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return request.headers.get("x-caudal-api-key") or None


async def caller_role(request: Request) -> Role:
    """The role of the request's key (admin when keys are not required).

    Raises:
        Unauthorized: keys are required and none, or an unknown one, was sent.
    """
    state = request.app.state
    if not state.settings.auth_required:
        return Role.ADMIN
    key = key_from(request)
    if key is None and request.method in ("GET", "HEAD"):
        # The web UI's pages read the API (live logs and states) with their session: reads
        # only, so a forged cross-site request can change nothing.
        from caudal.server.ui.session import SESSION_COOKIE, viewer_of

        if request.cookies.get(SESSION_COOKIE):
            viewer = await anyio.to_thread.run_sync(viewer_of, request)
            if viewer is not None:
                return viewer.role
    if key is None:
        raise Unauthorized("This server requires an API key: send 'Authorization: Bearer "
                           "<key>' (set CAUDAL_API_KEY for the CLI). An admin creates keys "
                           "with 'caudal auth create-key --role runner'.")
    hit, role = state.key_cache.cached(key)
    if not hit:
        found = await anyio.to_thread.run_sync(state.key_cache.load, state.db, key)
        role = found[1] if found else None
        if found:
            # When the key was last used is written behind the request, through the writers'
            # queue: a request that only reads never waits for the write lock.
            _in_background(state.writes.run(record_key_use, state.db, found[0]))
    if role is None:
        raise Unauthorized("The API key is not valid (unknown or revoked).")
    return role


_background: set[asyncio.Task[Any]] = set()


def _in_background(work: Coroutine[Any, Any, Any]) -> None:
    """Run ``work`` without waiting for it; a failure is logged (it only noted a key's use)."""
    task = asyncio.get_running_loop().create_task(work)
    _background.add(task)  # a task nobody references may be collected before it ends

    def done(finished: asyncio.Task[Any]) -> None:
        _background.discard(finished)
        if not finished.cancelled() and finished.exception() is not None:
            logger.warning("Could not record when an API key was last used: %s",
                           finished.exception())

    task.add_done_callback(done)


def require(role: Role) -> Callable[[Request], Awaitable[Role]]:
    """A route dependency that lets through callers with ``role`` or a higher one.

    Raises:
        Unauthorized, Forbidden: naming the role needed.
    """

    # async, so that checking a cached key costs no hop to the thread pool.
    async def dependency(request: Request) -> Role:
        have = await caller_role(request)
        if have.rank < role.rank:
            raise Forbidden(f"This request needs the '{role.value}' role; the API key has "
                            f"'{have.value}'.")
        return have

    dependency.__name__ = f"require_{role.value}"
    return dependency
