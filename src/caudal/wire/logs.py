"""Log lines that runners ship in batches and pages read back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from caudal.wire._base import INT32, Model, Timestamp

__all__ = ["LogLine", "LogRecord", "LogsResult"]


@with_config(ConfigDict(extra="forbid"))
class LogLine(TypedDict):
    """One log line of a batch, as runners send it.

    A plain dict, not a model: batches hold thousands, and a model per line (then a dict
    from it) cost more than storing them. The server checks their text for NUL characters
    itself (``caudal.server.api.deps.refuse_nul``). ``name`` is ``caudal`` when left out.
    """

    flow_run_id: Annotated[str, Field(max_length=100)]
    task_slug: NotRequired[Annotated[str | None, Field(max_length=500)]]
    map_index: NotRequired[Annotated[int | None, Field(ge=-1, le=INT32)]]
    timestamp: Timestamp
    level: Annotated[int, Field(ge=0, le=100)]
    name: NotRequired[Annotated[str, Field(max_length=500)]]
    message: Annotated[str, Field(max_length=1_000_000)]


class LogRecord(Model):
    id: int
    flow_run_id: str
    task_slug: str | None = None
    map_index: int | None = None
    timestamp: datetime
    level: int
    name: str = "caudal"
    message: str


class LogsResult(Model):
    written: int
