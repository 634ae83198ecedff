"""Secrets: named values that runs read; the API lists their names, and shows a value only to
runners and admins."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from caudal.wire._base import Model

__all__ = ["SecretInfo", "SecretValue"]


class SecretValue(Model):
    """A secret's value: text (a client sends other values as JSON text, as Prefect does)."""

    value: str = Field(max_length=1_000_000)


class SecretInfo(Model):
    """A stored secret, without its value."""

    name: str
    created: datetime
    updated: datetime
