"""Log lines that runners ship in batches and pages read back."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from caudal.wire._base import INT32, Model, Timestamp

__all__ = ["LogLine", "LogRecord", "LogsResult"]


class LogLine(Model):
    flow_run_id: str = Field(max_length=100)
    task_slug: str | None = Field(default=None, max_length=500)
    map_index: int | None = Field(default=None, ge=-1, le=INT32)
    timestamp: Timestamp
    level: int = Field(ge=0, le=100)
    name: str = Field(default="caudal", max_length=500)
    message: str = Field(max_length=1_000_000)


class LogRecord(LogLine):
    id: int
    timestamp: datetime


class LogsResult(Model):
    written: int
