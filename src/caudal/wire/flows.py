"""Flows: what registration sends, and the versions the server keeps."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from caudal.wire._base import JsonObject, Label, LongName, Model, Name

__all__ = ["FlowParameter", "FlowRegistration", "FlowVersion", "RegistrationResult",
           "ScheduleState", "registration_key"]


class FlowParameter(Model):
    name: str
    default: Any = None
    required: bool = False


class FlowRegistration(Model):
    """One flow, as ``flow.register`` and ``caudal register`` send it.

    ``serialized`` is ``flow.serialize()``; ``hash`` is ``flow.serialized_hash()``, compared
    with the latest version's to skip an unchanged flow without storing anything.
    """

    project: Name
    name: LongName
    hash: str = Field(min_length=1, max_length=200)
    serialized: JsonObject
    labels: list[Label] = Field(default_factory=list, max_length=100)
    idempotency_key: str | None = Field(default=None, max_length=500)
    set_schedule_active: bool | None = None
    """``None`` keeps the switch as it is (on for a new flow with a schedule)."""
    source: str | None = Field(default=None, max_length=5_000_000)
    description: str | None = Field(default=None, max_length=10_000)


class RegistrationResult(Model):
    status: Literal["created", "skipped"]
    flow_id: str
    flow_group_id: str
    version: int
    archived_flow_id: str | None = None
    scheduled_runs: int = 0


class FlowVersion(Model):
    id: str
    flow_group_id: str
    project: str
    name: str
    version: int
    archived: bool
    labels: list[str]
    parameters: list[FlowParameter]
    schedule: dict[str, Any] | None = None
    schedule_active: bool = False
    storage: dict[str, Any] | None = None
    run_config: dict[str, Any] | None = None
    hash: str
    created: datetime
    description: str | None = None


class ScheduleState(Model):
    flow_group_id: str
    active: bool
    scheduled_runs: int


def registration_key(flow_hash: str, labels: Sequence[str]) -> str:
    """The idempotency key a registration sends when the caller gives none.

    The server skips a registration whose key equals the latest version's. The flow's hash
    alone would skip a flow whose only change is its labels, and labels decide which agents
    run it; so the labels are part of the key (a flow without labels keys on its hash).

    Example:
        >>> registration_key("abc", []), len(registration_key("abc", ["prod"]))
        ('abc', 64)
    """
    if not labels:
        return flow_hash
    digest = hashlib.sha256(flow_hash.encode())
    for label in sorted(set(labels)):
        digest.update(b"\0" + label.encode())
    return digest.hexdigest()
