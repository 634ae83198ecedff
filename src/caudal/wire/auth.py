"""API keys: roles and the key listing (the secret itself is shown once, at creation)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from caudal.wire._base import Model

__all__ = ["ApiKey", "ApiKeyCreate", "ApiKeyCreated", "Role"]


class Role(StrEnum):
    """What a key may do; each role can do all that the ones before it can."""

    VIEWER = "viewer"
    RUNNER = "runner"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class ApiKeyCreate(Model):
    name: str = Field(min_length=1, max_length=200)
    role: Role


class ApiKey(Model):
    id: str
    name: str
    role: Role
    prefix: str
    created: datetime
    last_used: datetime | None = None


class ApiKeyCreated(ApiKey):
    key: str
