"""API keys: made once and shown once, kept only as a SHA-256 digest, checked per request."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select, update

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import NotFound
from caudal.server.services.common import new_id, utcnow
from caudal.wire.auth import ApiKey as ApiKeyOut
from caudal.wire.auth import ApiKeyCreated, Role

__all__ = ["create_api_key", "digest", "list_api_keys", "lookup_role", "record_key_use",
           "revoke_api_key"]

keys = models.api_keys
PREFIX = "cdl_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(db: Database, name: str, role: Role) -> ApiKeyCreated:
    """A new key; its text is in the result and nowhere else, ever."""
    key = PREFIX + secrets.token_urlsafe(32)
    row = {"id": new_id(), "name": name, "role": role.value, "key_hash": digest(key),
           "prefix": key[:10], "created": utcnow(), "last_used": None, "revoked": False}
    with db.write() as conn:
        conn.execute(keys.insert(), row)
    return ApiKeyCreated(key=key, **_public(row))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("key_hash", "revoked")}


def lookup_role(db: Database, key: str) -> tuple[str, Role] | None:
    """The id and role of an unrevoked key, or ``None`` for an unknown one (a read only)."""
    with db.read() as conn:
        row = conn.execute(select(keys.c.id, keys.c.role).where(
            keys.c.key_hash == digest(key), keys.c.revoked.is_(False))).first()
    return None if row is None else (row.id, Role(row.role))


def record_key_use(db: Database, key_id: str) -> None:
    """Note that the key was used now (its ``last_used``)."""
    with db.write() as conn:
        conn.execute(update(keys).where(keys.c.id == key_id).values(last_used=utcnow()))


def list_api_keys(db: Database) -> list[ApiKeyOut]:
    with db.read() as conn:
        rows = conn.execute(select(keys).where(keys.c.revoked.is_(False))
                            .order_by(keys.c.created))
        return [ApiKeyOut(**_public(r._asdict())) for r in rows]


def revoke_api_key(db: Database, key_id: str) -> None:
    with db.write() as conn:
        if not conn.execute(update(keys).where(keys.c.id == key_id,
                                               keys.c.revoked.is_(False))
                            .values(revoked=True)).rowcount:
            raise NotFound(f"API key '{key_id}' does not exist or is already revoked.")
