"""The server's tables (SQLAlchemy Core ``Table`` objects, nothing else).

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
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["agents", "api_keys", "batch_keys", "flow_groups", "flow_run_states", "flow_runs",
           "flows", "logs", "metadata", "projects", "secrets", "sqlite_text", "task_run_states", "task_runs",
           "UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python; naive UTC text on SQLite, timestamptz on PostgreSQL.

    SQLite keeps datetimes as text that sorts in time order only if every value is in one
    zone, so everything is converted to UTC on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    # PostgreSQL: aware UTC datetimes both ways, through SQLAlchemy's own DateTime.
    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # SQLite: write and read the text directly. The generic path converts each value twice
    # and formats it in Python, which was 40% of the cost of a batch of task-run states. The
    # text is exactly what SQLAlchemy's SQLite DATETIME stores, so both paths read each other.
    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return sqlite_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


def sqlite_text(value: datetime | None) -> str | None:
    """How SQLite stores a datetime: naive UTC text (a naive value is taken as UTC)."""
    if value is None:
        return None
    offset = value.utcoffset()
    if offset:  # shifted to UTC; the zone's suffix is cut below
        value = value - offset
    # isoformat with microseconds: 26 characters, then the zone's suffix if any.
    return value.isoformat(" ", "microseconds")[:26]


# Core tables, not ORM classes: the services speak SQL expressions only, and the ORM would
# cost the long-running server about 6 MB of memory for nothing.
metadata = MetaData()

# Auto-increment ids: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Id = String(36)


def _time(name: str, nullable: bool = False) -> Column[Any]:
    return Column(name, UTCDateTime(), nullable=nullable)


def _json(name: str, nullable: bool = False) -> Column[Any]:
    # none_as_null: a missing schedule is SQL NULL, not the JSON text 'null'.
    return Column(name, JSON(none_as_null=True), nullable=nullable)


projects = Table(
    "projects", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text),
    _time("created"),
)

flow_groups = Table(
    "flow_groups", metadata,
    # A flow's identity across versions (project + name); holds the schedule switch.
    Column("id", Id, primary_key=True),
    Column("project_id", Id, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(500), nullable=False),
    _json("schedule", nullable=True),
    Column("schedule_active", Boolean, nullable=False, default=False),
    _time("created"),
    _time("updated"),
    UniqueConstraint("project_id", "name"),
)

flows = Table(
    "flows", metadata,
    # One registered version of a flow.
    Column("id", Id, primary_key=True),
    Column("flow_group_id", Id, ForeignKey("flow_groups.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("name", String(500), nullable=False),
    Column("hash", String(200), nullable=False),
    Column("idempotency_key", String(500)),
    _json("serialized"),
    _json("parameters"),
    _json("labels"),
    _json("schedule", nullable=True),
    _json("storage", nullable=True),
    _json("run_config", nullable=True),
    Column("source", Text),
    Column("description", Text),
    Column("archived", Boolean, nullable=False, default=False),
    _time("created"),
    UniqueConstraint("flow_group_id", "version"),
)

flow_runs = Table(
    "flow_runs", metadata,
    Column("id", Id, primary_key=True),
    Column("flow_id", Id, ForeignKey("flows.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("flow_group_id", Id, ForeignKey("flow_groups.id", ondelete="CASCADE"),
           nullable=False),
    Column("name", String(500), nullable=False),
    _json("parameters"),
    _json("context"),
    _json("labels"),
    Column("state", String(50), nullable=False),
    Column("state_message", Text),
    _time("state_timestamp"),
    Column("version", Integer, nullable=False, default=1),
    _time("scheduled_start_time"),
    _time("start_time", nullable=True),
    _time("end_time", nullable=True),
    _time("heartbeat", nullable=True),
    Column("agent_id", Id),
    Column("idempotency_key", String(500)),
    Column("auto_scheduled", Boolean, nullable=False, default=False),
    Column("times_resurrected", Integer, nullable=False, default=0),
    _time("created"),
    # The flow run that started this one (flows of flows); its children are listed by it.
    Column("parent_flow_run_id", Id,
           ForeignKey("flow_runs.id", ondelete="SET NULL",
                      name="fk_flow_runs_parent_flow_run_id"), index=True),
    UniqueConstraint("flow_group_id", "idempotency_key"),
    # The latest runs of a flow, and of everything (run lists, cursor pages).
    Index("ix_flow_runs_group_time", "flow_group_id", "scheduled_start_time", "id"),
    Index("ix_flow_runs_time", "scheduled_start_time", "id"),
    # Due runs for claims; silent runs for the reaper.
    Index("ix_flow_runs_state_time", "state", "scheduled_start_time"),
)

flow_run_states = Table(
    "flow_run_states", metadata,
    # A flow run's state history, oldest first by id.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("flow_run_id", Id, ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("state", String(50), nullable=False),
    Column("message", Text),
    _time("timestamp"),
)

task_runs = Table(
    "task_runs", metadata,
    # One task's run in a flow run; mapped children by map_index (-1 when not mapped).
    Column("id", Id, primary_key=True),
    Column("flow_run_id", Id, ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=False),
    Column("task_slug", String(500), nullable=False),
    Column("map_index", Integer, nullable=False),
    Column("task_name", String(500)),
    Column("state", String(50), nullable=False),
    Column("state_message", Text),
    _time("state_timestamp"),
    _time("start_time", nullable=True),
    _time("end_time", nullable=True),
    Column("result_location", String(4000)),
    UniqueConstraint("flow_run_id", "task_slug", "map_index"),
)

task_run_states = Table(
    "task_run_states", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("task_run_id", Id, ForeignKey("task_runs.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("state", String(50), nullable=False),
    Column("message", Text),
    _time("timestamp"),
)

logs = Table(
    "logs", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("flow_run_id", Id, ForeignKey("flow_runs.id", ondelete="CASCADE"), nullable=False),
    Column("task_slug", String(500)),
    Column("map_index", Integer),
    _time("timestamp"),
    Column("level", Integer, nullable=False),
    Column("name", String(500), nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_logs_run_id", "flow_run_id", "id"),
)

agents = Table(
    "agents", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    _json("labels"),
    Column("agent_type", String(100), nullable=False),
    _time("created"),
    _time("last_heartbeat"),
    # What the agent said in its last heartbeat: runs it is running, and its limit (NULL: no
    # limit, or an agent that does not say).
    Column("running", Integer),
    Column("run_limit", Integer),
    # The agent is shutting down: its claims take nothing (NULL: no).
    Column("stopping", Boolean),
)

api_keys = Table(
    "api_keys", metadata,
    # An API key, kept as its SHA-256 digest; the key itself is shown once, at creation.
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(20), nullable=False),
    _time("created"),
    _time("last_used", nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

batch_keys = Table(
    "batch_keys", metadata,
    # The Idempotency-Key of each log or task-state batch written in the last day: a batch
    # sent again (its answer was lost) is acknowledged without being written twice.
    Column("key", String(200), primary_key=True),
    Column("written", Integer, nullable=False),
    _time("created"),
    Index("ix_batch_keys_created", "created"),
)

secrets = Table(
    "secrets", metadata,
    # Named values that runs read (PrefectSecret); the value is Fernet ciphertext made with
    # the server's secrets key (server/secret_box.py), never the plain text.
    Column("name", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    _time("created"),
    _time("updated"),
)
