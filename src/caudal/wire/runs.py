"""Flow runs and task runs: creation, states, pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from caudal.wire._base import INT32, JsonObject, Label, LongName, Model, Name, Timestamp

__all__ = ["FlowRun", "FlowRunCreate", "FlowRunRename", "RunWait", "StateRecord", "StateSet",
           "TaskRun", "TaskRunState", "TaskRunStatesResult"]

LABELS = Field(default=None, max_length=100)


class FlowRunCreate(Model):
    """A run of a flow: by ``flow_id`` (a version) or by ``flow_name`` and ``project``
    (its latest version)."""

    flow_id: str | None = Field(default=None, max_length=100)
    flow_name: LongName | None = None
    project: Name | None = None
    parameters: JsonObject = Field(default_factory=dict)
    context: JsonObject = Field(default_factory=dict)
    labels: list[Label] | None = LABELS
    """``None`` takes the flow's labels."""
    run_name: LongName | None = None
    idempotency_key: str | None = Field(default=None, max_length=500)
    scheduled_start_time: Timestamp | None = None
    parent_flow_run_id: str | None = Field(default=None, max_length=100)
    """The flow run that starts this one (flows of flows); listed as its child."""


class FlowRunRename(Model):
    name: LongName


class StateSet(Model):
    """A new state for a run. With ``version`` the change applies only if the run is still at
    that version (another writer got there first otherwise: 409)."""

    state: str = Field(min_length=1, max_length=50)
    message: str | None = Field(default=None, max_length=100_000)
    version: int | None = Field(default=None, ge=0, le=INT32)
    start_time: Timestamp | None = None
    """For Scheduled and Retrying: when to run."""


class StateRecord(Model):
    state: str
    message: str | None = None
    timestamp: datetime


class FlowRun(Model):
    id: str
    name: str
    flow_id: str
    flow_group_id: str
    flow_name: str
    project: str
    flow_version: int
    parameters: dict[str, Any]
    context: dict[str, Any]
    labels: list[str]
    state: str
    state_message: str | None = None
    state_timestamp: datetime
    version: int
    scheduled_start_time: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    heartbeat: datetime | None = None
    agent_id: str | None = None
    idempotency_key: str | None = None
    auto_scheduled: bool = False
    created: datetime
    parent_flow_run_id: str | None = None


@with_config(ConfigDict(extra="forbid"))
class TaskRunState(TypedDict):
    """One task run's new state, as the runner reports it in a batch.

    A plain dict, not a model: batches hold thousands (see ``wire.logs.LogLine``).
    ``map_index`` is -1 (not mapped) when left out.
    """

    flow_run_id: Annotated[str, Field(max_length=100)]
    task_slug: Annotated[str, Field(min_length=1, max_length=500)]
    map_index: NotRequired[Annotated[int, Field(ge=-1, le=INT32)]]
    task_name: NotRequired[LongName | None]
    state: Annotated[str, Field(min_length=1, max_length=50)]
    message: NotRequired[Annotated[str | None, Field(max_length=100_000)]]
    timestamp: NotRequired[Timestamp | None]
    result_location: NotRequired[Annotated[str | None, Field(max_length=4000)]]


class TaskRunStatesResult(Model):
    written: int


class TaskRun(Model):
    id: str
    flow_run_id: str
    task_slug: str
    task_name: str | None
    map_index: int
    state: str
    state_message: str | None = None
    state_timestamp: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    result_location: str | None = None


class RunWait(Model):
    """Why a flow run has not started (``GET /api/flow-runs/{id}/why``).

    ``waiting`` is false for a run that is not waiting for an agent (it has started or
    finished); ``reasons`` are sentences, the most telling first.
    """

    flow_run_id: str
    state: str
    waiting: bool
    reasons: list[str]
