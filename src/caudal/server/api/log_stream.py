"""/api/flow-runs/{id}/logs/stream: a run's log lines as Server-Sent Events, live.

The stream sends the lines after the cursor, then each batch as soon as it commits: a write
announces itself after commit (``LogsWritten``, through ``RunEvents``), which wakes the stream
to read again from its cursor. Lines another server process writes wake nobody here, so an
idle stream also reads every ``IDLE_READ_S``. The stream ends once the run has finished and
the lines written up to then have been sent (``FINISH_GRACE_S``).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter

from caudal.server.api.deps import AUTH_ERRORS, VIEWER, database, error
from caudal.server.api.flow_runs import KEEP_ALIVE_S
from caudal.server.db.engine import Database
from caudal.server.errors import NotFound
from caudal.server.events import LogsWritten, RunChange
from caudal.server.services import flow_runs, logs
from caudal.server.services.common import decode_cursor, encode_cursor, utcnow
from caudal.wire.logs import LogRecord
from caudal.wire.states import STATE_KINDS, StateKind

__all__ = ["router"]

router = APIRouter(prefix="/api/flow-runs", tags=["flow runs"], responses=AUTH_ERRORS)

IDLE_READ_S = 2.0
"""A stream nothing woke reads again this often: lines (and states) written by another server
process on the same database are announced only in that process."""
FINISH_GRACE_S = 2.0
"""How long after its run finished a stream still follows lines: a runner ships its last
batch a little after it reports the final state."""
LATE_COMMIT_S = 3.0
"""PostgreSQL: how long a line may take from getting its id to being committed. Concurrent
batches commit in any order, so a line may appear below ids already sent: each read on
PostgreSQL starts below the lines sent in the last ``LATE_COMMIT_S`` and sends those of them
not sent yet, so that no line is missed and a writer's batches arrive in the order it wrote
them. (SQLite writes one transaction at a time, so its lines appear in id order.)"""
PAGE = 500
"""Lines per query (and per event)."""

_RECORDS = TypeAdapter(list[LogRecord])
_IDLE = object()
"""What a stream's wait gives when nothing woke it."""


class _Follower:
    """What a stream has sent of a run's lines, and how to read what is new.

    ``top`` is the highest id sent (the cursor); on PostgreSQL, ``floor`` is an id below which
    no line can still appear, and ``sent`` the ids sent above it.
    """

    def __init__(self, db: Database, flow_run_id: str, level: int, text: str | None) -> None:
        self.db = db
        self.flow_run_id = flow_run_id
        self.level = level
        self.text = text
        self.top: int | None = None
        self.late = not db.is_sqlite
        self.floor: int | None = None
        self.sent: set[int] = set()
        self.marks: deque[tuple[float, int | None]] = deque()
        """(when, top then): once ``LATE_COMMIT_S`` has passed, every id up to it is in."""
        self.more = False
        """Whether the first page was full (more lines follow it)."""

    @property
    def cursor(self) -> str | None:
        return None if self.top is None else encode_cursor(self.top)

    def start(self, cursor: str | None) -> list[LogRecord]:
        """The first page after ``cursor`` (which ``query_logs`` checks, with the run). In a
        thread."""
        items, _ = logs.query_logs(self.db, self.flow_run_id, level=self.level, text=self.text,
                                   cursor=cursor, limit=PAGE)
        if cursor is not None:
            (after,) = decode_cursor(cursor, 1)
            self.top = self.floor = int(after)
        self.more = len(items) == PAGE
        return self._take(items)

    def page(self, after: int | None) -> tuple[list[LogRecord], int | None]:
        """Lines after ``after`` not sent yet, and where the next page starts (None at the
        end). In a thread."""
        cursor = None if after is None else encode_cursor(after)
        items, _ = logs.query_logs(self.db, self.flow_run_id, level=self.level, text=self.text,
                                   cursor=cursor, limit=PAGE)
        return self._take(items), (items[-1].id if len(items) == PAGE else None)

    def _take(self, items: list[LogRecord]) -> list[LogRecord]:
        """Those of ``items`` not sent yet, now counted as sent."""
        new = [r for r in items if r.id not in self.sent] if self.late else items
        for record in new:
            if self.top is None or record.id > self.top:
                self.top = record.id
            if self.late:
                self.sent.add(record.id)
        return new

    def settle(self, started: float) -> None:
        """A read that started at ``started`` is done. A line below the top it saw had its id
        before the read ended, so it is in by ``LATE_COMMIT_S`` after that: a read that starts
        later need not look below it."""
        self.marks.append((anyio.current_time(), self.top))
        moved = False
        while self.marks and self.marks[0][0] <= started - LATE_COMMIT_S:
            self.floor = self.marks.popleft()[1]
            moved = True
        if moved and self.floor is not None:
            floor = self.floor
            self.sent = {i for i in self.sent if i > floor}


def _event(name: str, data: Any, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    text = data if isinstance(data, str) else json.dumps(data)
    return f"{head}event: {name}\ndata: {text}\n\n"


@router.get("/{flow_run_id}/logs/stream", dependencies=[VIEWER], responses={
    404: error("No flow run has that id."),
    200: {"description": "Server-Sent Events: the run's log lines after the cursor, then "
                         "each batch as it commits, and the run's states, until it finishes.",
          "content": {"text/event-stream": {}}}})
async def stream_logs(flow_run_id: str, request: Request,
                      cursor: str | None = Query(None, max_length=1000),
                      level: int = Query(0, ge=0, le=100),
                      text: str | None = Query(None, max_length=1000),
                      max_s: float = Query(3600.0, gt=0, le=86_400),
                      last_event_id: str | None = Header(None, max_length=1000),
                      db: Database = Depends(database)) -> StreamingResponse:
    """Follow a run's log lines (from ``level`` up, containing ``text``) as Server-Sent Events.

    First ``event: state`` (JSON ``flow_run_id``, ``state``, ``message``, ``timestamp``, as
    ``/events``), then every line after ``cursor`` (or the ``Last-Event-ID`` header an
    EventSource sends when it connects again; neither: from the first line), then each batch
    as it commits: ``event: logs``, ``data`` a JSON list of log records, ``id`` the cursor
    after them. A state change is an ``event: state``. Once the run has finished and the lines
    written until then are sent, ``event: end`` (JSON ``state`` and ``cursor``) ends the
    stream; after ``max_s`` seconds it ends without one (connect again to go on)."""
    if cursor is None:
        cursor = last_event_id or None
    events = request.app.state.run_events
    subscriptions = ExitStack()
    # Subscribed before reading, so that nothing committed between the two is missed.
    queue = subscriptions.enter_context(events.watch(flow_run_id))
    subscriptions.enter_context(events.watch_logs(flow_run_id, queue))
    try:
        run = await anyio.to_thread.run_sync(flow_runs.get_flow_run, db, flow_run_id)
        follower = _Follower(db, flow_run_id, level, text)
        # The first page checks the cursor before the stream starts.
        first = await anyio.to_thread.run_sync(follower.start, cursor)
    except BaseException:
        subscriptions.close()
        raise

    async def read() -> AsyncIterator[str]:
        """Events for the lines not sent yet: after the cursor, and on PostgreSQL those that
        appeared in the window below it."""
        started = anyio.current_time()
        after = follower.floor if follower.late else follower.top
        while True:
            new, after = await anyio.to_thread.run_sync(follower.page, after)
            if new:
                yield _event("logs", _RECORDS.dump_json(new).decode(), follower.cursor)
            if after is None:
                break
        if follower.late:
            follower.settle(started)

    def ending(state: dict[str, Any], at: datetime | None = None) -> float | None:
        """When to end if ``state`` is finished: ``FINISH_GRACE_S`` after it was reached
        (``at``: long ago for a run that finished before the stream)."""
        if STATE_KINDS[state["state"]] is not StateKind.FINISHED:
            return None
        age = 0.0 if at is None else (utcnow() - at).total_seconds()
        return anyio.current_time() + min(max(FINISH_GRACE_S - age, 0.0), FINISH_GRACE_S)

    async def stream() -> AsyncIterator[str]:
        deadline = anyio.current_time() + max_s
        state = RunChange.of(run).as_json()
        end_at = ending(state, run.state_timestamp)
        try:
            yield _event("state", state)
            if first:
                yield _event("logs", _RECORDS.dump_json(first).decode(), follower.cursor)
            if follower.more:
                async for event in read():
                    yield event
            last_sent = anyio.current_time()
            while True:
                now = anyio.current_time()
                if end_at is not None and now >= end_at:
                    async for event in read():
                        yield event
                    yield _event("end", {**state, "cursor": follower.cursor})
                    return
                if now >= deadline:
                    return
                timeout = min(IDLE_READ_S, deadline - now)
                if end_at is not None:
                    timeout = min(timeout, end_at - now)
                items: list[Any] = []
                try:
                    with anyio.fail_after(max(timeout, 0.0)):
                        items.append(await queue.get())
                except TimeoutError:
                    items.append(_IDLE)
                while not queue.empty():
                    items.append(queue.get_nowait())
                if None in items:
                    return  # the server is shutting down; the reader connects again
                for change in items:
                    if isinstance(change, RunChange):
                        state = change.as_json()
                        yield _event("state", state)
                        last_sent = anyio.current_time()
                        end_at = ending(state) if end_at is None else end_at
                wrote = any(isinstance(i, LogsWritten) for i in items)
                idle = _IDLE in items
                if idle and not wrote:
                    if await request.is_disconnected():
                        return
                    # Another process may have changed the run (or written lines, below).
                    latest = await anyio.to_thread.run_sync(flow_runs.get_flow_run, db,
                                                            flow_run_id)
                    if (latest.state, latest.state_timestamp) != (
                            state["state"], datetime.fromisoformat(state["timestamp"])):
                        state = RunChange.of(latest).as_json()
                        yield _event("state", state)
                        last_sent = anyio.current_time()
                        end_at = ending(state) if end_at is None else end_at
                if wrote or idle:
                    async for event in read():
                        yield event
                        last_sent = anyio.current_time()
                if anyio.current_time() - last_sent >= KEEP_ALIVE_S:
                    yield ": keep-alive\n\n"
                    last_sent = anyio.current_time()
        except NotFound:
            # The run was deleted while followed: nothing more will come.
            yield _event("end", {**state, "cursor": follower.cursor})
        finally:
            subscriptions.close()

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
