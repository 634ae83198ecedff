"""Agents: who they are, their heartbeats, and what they claim."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from caudal.wire._base import Label, Model, Name

__all__ = ["Agent", "AgentHeartbeat", "AgentRegister", "ClaimRequest"]


class AgentRegister(Model):
    name: Name
    labels: list[Label] = Field(default_factory=list, max_length=100)
    agent_type: str = Field(default="LocalAgent", max_length=100)
    limit: int | None = Field(default=None, ge=1, le=100_000)


class Agent(Model):
    id: str
    name: str
    labels: list[str]
    agent_type: str
    created: datetime
    last_heartbeat: datetime
    running: int | None = None
    limit: int | None = None
    stopping: bool = False


class AgentHeartbeat(Model):
    """The agent is alive; with how many runs it is running now and its limit, if it says.

    A field left out keeps the value the server has; ``limit`` None means no limit.
    """

    running: int | None = Field(default=None, ge=0, le=100_000)
    limit: int | None = Field(default=None, ge=1, le=100_000)
    stopping: bool | None = None
    """The agent is shutting down: its claims take nothing from now on."""


class ClaimRequest(Model):
    """Due runs whose labels the agent has, up to ``limit``; waits up to ``wait_s`` for one."""

    limit: int = Field(default=10, ge=1, le=100)
    wait_s: float = Field(default=0.0, ge=0.0, le=60.0)
