"""The server's tables (SQLAlchemy 2 declarative classes, nothing else).

The schema changes only through an Alembic migration in ``migrations/versions``; a test checks
that the migrations build exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = ["Agent", "ApiKey", "Base", "Flow", "FlowGroup", "FlowRun", "FlowRunState", "Log",
           "Project", "TaskRun", "TaskRunState", "UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python; naive UTC text on SQLite, timestamptz on PostgreSQL.

    SQLite keeps datetimes as text that sorts in time order only if every value is in one
    zone, so everything is converted to UTC on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Auto-increment ids: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Id = String(36)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime]


class FlowGroup(Base):
    """A flow's identity across versions (project + name); holds the schedule switch."""

    __tablename__ = "flow_groups"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    schedule: Mapped[dict[str, Any] | None]
    schedule_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime]
    updated: Mapped[datetime]


class Flow(Base):
    """One registered version of a flow."""

    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("flow_group_id", "version"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    flow_group_id: Mapped[str] = mapped_column(
        ForeignKey("flow_groups.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    hash: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(500))
    serialized: Mapped[dict[str, Any]]
    parameters: Mapped[list[Any]]
    labels: Mapped[list[Any]]
    schedule: Mapped[dict[str, Any] | None]
    storage: Mapped[dict[str, Any] | None]
    run_config: Mapped[dict[str, Any] | None]
    source: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime]


class FlowRun(Base):
    __tablename__ = "flow_runs"
    __table_args__ = (
        UniqueConstraint("flow_group_id", "idempotency_key"),
        # The latest runs of a flow, and of everything (run lists, cursor pages).
        Index("ix_flow_runs_group_time", "flow_group_id", "scheduled_start_time", "id"),
        Index("ix_flow_runs_time", "scheduled_start_time", "id"),
        # Due runs for claims; silent runs for the reaper.
        Index("ix_flow_runs_state_time", "state", "scheduled_start_time"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    flow_id: Mapped[str] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    flow_group_id: Mapped[str] = mapped_column(ForeignKey("flow_groups.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(500))
    parameters: Mapped[dict[str, Any]]
    context: Mapped[dict[str, Any]]
    labels: Mapped[list[Any]]
    state: Mapped[str] = mapped_column(String(50))
    state_message: Mapped[str | None] = mapped_column(Text)
    state_timestamp: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    scheduled_start_time: Mapped[datetime]
    start_time: Mapped[datetime | None]
    end_time: Mapped[datetime | None]
    heartbeat: Mapped[datetime | None]
    agent_id: Mapped[str | None] = mapped_column(Id)
    idempotency_key: Mapped[str | None] = mapped_column(String(500))
    auto_scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    times_resurrected: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime]


class FlowRunState(Base):
    """A flow run's state history, oldest first by id."""

    __tablename__ = "flow_run_states"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flow_run_id: Mapped[str] = mapped_column(
        ForeignKey("flow_runs.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(50))
    message: Mapped[str | None] = mapped_column(Text)
    timestamp: Mapped[datetime]


class TaskRun(Base):
    """One task's run in a flow run; mapped children by ``map_index`` (-1 when not mapped)."""

    __tablename__ = "task_runs"
    __table_args__ = (UniqueConstraint("flow_run_id", "task_slug", "map_index"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    flow_run_id: Mapped[str] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    task_slug: Mapped[str] = mapped_column(String(500))
    map_index: Mapped[int] = mapped_column(Integer)
    task_name: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(50))
    state_message: Mapped[str | None] = mapped_column(Text)
    state_timestamp: Mapped[datetime]
    start_time: Mapped[datetime | None]
    end_time: Mapped[datetime | None]
    result_location: Mapped[str | None] = mapped_column(String(4000))


class TaskRunState(Base):
    __tablename__ = "task_run_states"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_run_id: Mapped[str] = mapped_column(
        ForeignKey("task_runs.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(50))
    message: Mapped[str | None] = mapped_column(Text)
    timestamp: Mapped[datetime]


class Log(Base):
    __tablename__ = "logs"
    __table_args__ = (Index("ix_logs_run_id", "flow_run_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flow_run_id: Mapped[str] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    task_slug: Mapped[str | None] = mapped_column(String(500))
    map_index: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[datetime]
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    labels: Mapped[list[Any]]
    agent_type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime]
    last_heartbeat: Mapped[datetime]


class ApiKey(Base):
    """An API key, kept as its SHA-256 digest; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    created: Mapped[datetime]
    last_used: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
