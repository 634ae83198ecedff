"""FlowRunView and watch_flow_run: a flow run on the server, read and followed (Prefect 0.15).

A ``FlowRunView`` is a snapshot: ``get_latest()`` gives a fresh one. ``watch_flow_run``
follows a run until it finishes, yielding its state changes and log lines as they arrive.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from caudal.backend.flow import FlowView, ensure_client
from caudal.backend.task_run import TaskRunView
from caudal.engine.state import State
from caudal.exceptions import ObjectNotFound
from caudal.serialization.states import state_from_wire
from caudal.wire.logs import LogRecord
from caudal.wire.runs import FlowRun, StateRecord
from caudal.wire.states import CLAIMABLE_STATES, is_finished

if TYPE_CHECKING:
    from caudal.client.client import Client

__all__ = ["FlowRunLog", "FlowRunView", "watch_flow_run"]

LOG_PAGE_SIZE = 1000
"""Log lines asked for per request; a shorter page is the last one."""

STATE_LOGGER = "caudal.FlowRunView"
"""The logger name of the lines that ``watch_flow_run`` makes from state changes."""


class FlowRunLog(NamedTuple):
    """One log line of a flow run (or a state change, from ``watch_flow_run``)."""

    timestamp: datetime.datetime
    level: int
    message: str
    name: str = STATE_LOGGER
    task_slug: str | None = None
    map_index: int | None = None

    @classmethod
    def from_record(cls, record: LogRecord) -> FlowRunLog:
        """The line the server sent."""
        return cls(record.timestamp, record.level, record.message, record.name,
                   record.task_slug, record.map_index)

    @classmethod
    def from_state(cls, record: StateRecord) -> FlowRunLog:
        """A line saying that the run entered a state."""
        message = f"Entered state <{record.state}>"
        if record.message:
            message += f": {record.message}"
        return cls(record.timestamp, logging.INFO, message)


class FlowRunView:
    """A snapshot of a flow run: its name, flow, parameters, labels and states.

    Task runs are read when asked for (``get_task_run``, ``get_all_task_runs``). Build one
    with ``FlowRunView.from_flow_run_id(id)``.

    Args:
        flow_run_id: the run's id.
        name: the run's name.
        flow_id: the flow version it runs.
        labels: its labels.
        parameters: its parameter values.
        context: its context values.
        state: its current state, as an engine ``State``.
        states: every state it has been in, oldest first.
        updated_at: when it entered its current state.
        run_config: the run config it runs with, if known.
        task_runs: task run views to keep, if already read.
        client: the client to read more with (``Client()`` when None).

    Example::

        from caudal.backend import FlowRunView

        flow_run = FlowRunView.from_flow_run_id("4c0101af-...")
        flow_run.state.is_finished()
        flow_run = flow_run.get_latest()      # a fresh snapshot
        for log in flow_run.get_logs():
            print(log.timestamp, log.message)
    """

    def __init__(self, flow_run_id: str, name: str, flow_id: str, labels: list[str],
                 parameters: dict[str, Any], context: dict[str, Any], state: State,
                 states: list[State], updated_at: datetime.datetime,
                 run_config: Any = None, task_runs: list[TaskRunView] | None = None, *,
                 flow_name: str = "", project_name: str = "", flow_version: int = 0,
                 version: int = 0, scheduled_start_time: datetime.datetime | None = None,
                 start_time: datetime.datetime | None = None,
                 end_time: datetime.datetime | None = None, agent_id: str | None = None,
                 client: Client | None = None) -> None:
        self.flow_run_id = flow_run_id
        self.name = name
        self.flow_id = flow_id
        self.labels = labels
        self.parameters = parameters
        self.context = context
        self.state = state
        self.states = states
        self.updated_at = updated_at
        self.run_config = run_config
        self.flow_name = flow_name
        self.project_name = project_name
        self.flow_version = flow_version
        self.version = version
        self.scheduled_start_time = scheduled_start_time
        self.start_time = start_time
        self.end_time = end_time
        self.agent_id = agent_id
        self._task_runs = list(task_runs or [])
        self._client = client

    @classmethod
    def from_flow_run_id(cls, flow_run_id: str, load_static_tasks: bool = False,
                         client: Client | None = None) -> FlowRunView:
        """The flow run with id ``flow_run_id``, as the server has it now.

        Args:
            flow_run_id: the run's id.
            load_static_tasks: read its task runs now, too.
            client: the client to read with (``Client()`` when None).

        Raises:
            ObjectNotFound: no flow run has that id.
        """
        client = ensure_client(client)
        run = client.get_flow_run(flow_run_id)
        records = client.get_flow_run_states(flow_run_id)
        task_runs = None
        if load_static_tasks:
            task_runs = [TaskRunView.from_wire(t, client)
                         for t in client.get_task_runs(flow_run_id)]
        return cls.from_wire(run, records, task_runs=task_runs, client=client)

    @classmethod
    def from_wire(cls, run: FlowRun, states: list[StateRecord] | None = None,
                  task_runs: list[TaskRunView] | None = None, client: Client | None = None
                  ) -> FlowRunView:
        """The view of a flow run (and its state history) the server described."""
        return cls(
            flow_run_id=run.id, name=run.name, flow_id=run.flow_id, labels=list(run.labels),
            parameters=dict(run.parameters), context=dict(run.context),
            state=state_from_wire(run.state, run.state_message, run.state_timestamp,
                                  run.scheduled_start_time),
            states=[state_from_wire(r.state, r.message, r.timestamp) for r in states or ()],
            updated_at=run.state_timestamp, task_runs=task_runs, flow_name=run.flow_name,
            project_name=run.project, flow_version=run.flow_version, version=run.version,
            scheduled_start_time=run.scheduled_start_time, start_time=run.start_time,
            end_time=run.end_time, agent_id=run.agent_id, client=client,
        )

    def __getstate__(self) -> dict[str, Any]:
        # Pickled without its client (a checkpointed result, a process pool's input): it
        # reads with a new one where it is unpickled.
        return {**self.__dict__, "_client": None}

    @property
    def client(self) -> Client:
        """The client this view reads with."""
        self._client = ensure_client(self._client)
        return self._client

    def get_latest(self, load_static_tasks: bool = False) -> FlowRunView:
        """A fresh snapshot of this flow run."""
        return FlowRunView.from_flow_run_id(self.flow_run_id, load_static_tasks, self.client)

    def get_flow_metadata(self) -> FlowView:
        """The flow version this run runs."""
        return FlowView.from_flow_id(self.flow_id, client=self.client)

    def get_logs(self, start_time: datetime.datetime | None = None,
                 level: int | None = None) -> list[FlowRunLog]:
        """Every log line of the run, oldest first.

        Args:
            start_time: only lines from this time on.
            level: only lines at this level or above.
        """
        logs = []
        cursor = None
        while True:
            page = self.client.get_logs(self.flow_run_id, level=level, cursor=cursor,
                                        limit=LOG_PAGE_SIZE)
            logs.extend(FlowRunLog.from_record(r) for r in page.items
                        if start_time is None or r.timestamp >= start_time)
            if not page.next_cursor or len(page.items) < LOG_PAGE_SIZE:
                return logs
            cursor = page.next_cursor

    def get_all_task_runs(self) -> list[TaskRunView]:
        """Every task run of the flow run, as the server has them now."""
        self._task_runs = [TaskRunView.from_wire(t, self.client)
                           for t in self.client.get_task_runs(self.flow_run_id)]
        return list(self._task_runs)

    @property
    def task_run_ids(self) -> list[str]:
        """The ids of every task run of the flow run."""
        return [t.task_run_id for t in self.get_all_task_runs()]

    def get_task_run(self, task_slug: str | None = None, task_run_id: str | None = None,
                     map_index: int = -1) -> TaskRunView:
        """One task run of the flow run, by task slug (and map index) or by id.

        Raises:
            ValueError: neither ``task_slug`` nor ``task_run_id`` was given.
            ObjectNotFound: the flow run has no such task run (yet).
        """
        if task_slug is None and task_run_id is None:
            raise ValueError("get_task_run needs a task_slug or a task_run_id.")
        for task_run in self.get_all_task_runs():
            if task_run_id is not None and task_run.task_run_id == task_run_id:
                return task_run
            if (task_slug is not None and task_run.task_slug == task_slug
                    and task_run.map_index == map_index):
                return task_run
        what = (f"id '{task_run_id}'" if task_run_id is not None else
                f"task slug '{task_slug}'" + (f" and map index {map_index}"
                                              if map_index != -1 else ""))
        raise ObjectNotFound(f"Flow run '{self.name}' ({self.flow_run_id}) has no task run with "
                             f"{what} yet.")

    def __repr__(self) -> str:
        return (f"FlowRunView(flow_run_id={self.flow_run_id!r}, name={self.name!r}, "
                f"state={self.state!r})")


def watch_flow_run(flow_run_id: str, stream_states: bool = True, stream_logs: bool = True,
                   max_duration: datetime.timedelta = datetime.timedelta(hours=12), *,
                   level: int | None = None, poll_interval_s: float = 1.0,
                   client: Client | None = None) -> Iterator[FlowRunLog]:
    """Follow a flow run until it finishes, yielding its state changes and log lines.

    Each poll reads the run, its states and its new log lines, and yields the new ones in
    time order. When the run is finished, the lines that arrive within one more poll are
    yielded too, then the iteration ends. A run still waiting ``LATE_START_S`` after its
    scheduled time gets WARNING lines saying why (``Not started: ...``), once, and again
    when the reasons change.

    Args:
        flow_run_id: the run to follow.
        stream_states: yield a line for each state the run enters (``Entered state
            <Running>``); past states come first.
        stream_logs: yield the run's log lines; past lines come first.
        max_duration: give up after this long.
        level: only log lines at this level or above.
        poll_interval_s: seconds between polls.
        client: the client to read with (``Client()`` when None).

    Raises:
        RuntimeError: the run did not finish within ``max_duration``.
        ObjectNotFound: no flow run has that id.
    """
    client = ensure_client(client)
    deadline = time.monotonic() + max_duration.total_seconds()
    tail = _LogTail(client, flow_run_id, level)
    states_seen = 0
    told: list[str] = []
    while True:
        # The run is read before its logs: once it is seen finished, the logs read next
        # hold every line written before it finished. The states are read after the logs,
        # so that a state entered before a line yielded now is yielded now too, before it.
        run = client.get_flow_run(flow_run_id)
        finished = is_finished(run.state)
        lines: list[FlowRunLog] = []
        if stream_logs:
            lines.extend(tail.fetch())
        if stream_states:
            records = client.get_flow_run_states(flow_run_id)
            lines.extend(FlowRunLog.from_state(r) for r in records[states_seen:])
            states_seen = len(records)
            finished = finished or bool(records and is_finished(records[-1].state))
        if finished and stream_logs:
            # Runners ship logs in batches; the last batch may land just after the final
            # state, which waits for it so that it comes last.
            time.sleep(min(poll_interval_s, 1.0))
            lines.extend(tail.fetch())
        yield from sorted(lines, key=lambda line: line.timestamp)
        if finished:
            return
        if stream_states:
            reasons = _late_start_reasons(client, run)
            if reasons and reasons != told:  # said once, and again only when it changes
                told = reasons
                now = datetime.datetime.now(datetime.UTC)
                yield from (FlowRunLog(now, logging.WARNING, f"Not started: {reason}")
                            for reason in reasons)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"Flow run '{run.name}' ({flow_run_id}) did not finish within {max_duration}; "
                f"it is still <{run.state}> on the server. Watch it again, or pass a longer "
                "max_duration.")
        time.sleep(poll_interval_s)


LATE_START_S = 5.0
"""A run still waiting this long after its scheduled time gets ``watch_flow_run`` to say why."""


def _late_start_reasons(client: Client, run: Any) -> list[str]:
    """Why ``run`` has not started, when it is late enough to say so (else nothing)."""
    late = datetime.datetime.now(datetime.UTC) - run.scheduled_start_time
    if run.state not in CLAIMABLE_STATES or \
            late.total_seconds() < LATE_START_S:
        return []
    return list(client.why_flow_run_waits(run.id).reasons)


class _LogTail:
    """Reads a run's log lines page by page, then asks again from where it stopped.

    The server gives a ``next_cursor`` after the last line it returned, even on the last
    page, so a follower asks again with it. Should a server give none at the end, the tail
    re-reads the last page from its own cursor and skips the lines it already yielded.
    """

    def __init__(self, client: Client, flow_run_id: str, level: int | None) -> None:
        self._client = client
        self._flow_run_id = flow_run_id
        self._level = level
        self._cursor: str | None = None
        self._seen: set[int] = set()  # ids read from self._cursor on

    def fetch(self) -> list[FlowRunLog]:
        new: list[FlowRunLog] = []
        while True:
            page = self._client.get_logs(self._flow_run_id, level=self._level,
                                         cursor=self._cursor, limit=LOG_PAGE_SIZE)
            for record in page.items:
                if record.id not in self._seen:
                    self._seen.add(record.id)
                    new.append(FlowRunLog.from_record(record))
            if page.next_cursor and page.next_cursor != self._cursor:
                self._cursor = page.next_cursor
                self._seen = set()
            if not page.next_cursor or len(page.items) < LOG_PAGE_SIZE:
                return new
