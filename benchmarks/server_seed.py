"""Seed a server database directly with a large history, for benchmarks/server.py's queries.

Rows go in through the server's own tables (caudal.server.db.models): SQLAlchemy Core
executemany in chunks on SQLite (synchronous and foreign keys off while seeding), COPY on
PostgreSQL (then ANALYZE, as autovacuum would do in a live database). At scale 1: 50 flows,
100,000 flow runs, 1,000,000 task runs (10 per run) and ~1,000,000 log lines, 1 run in 100
holding 500 lines and the rest 5 each, interleaved in id order as concurrent runs write them.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, text

from caudal.server.db import migrations, models
from caudal.server.db.engine import Database

__all__ = ["SeedResult", "seed"]

N_FLOWS = 50
RUNS = 100_000
TASKS_PER_RUN = 10
HEAVY_EVERY, HEAVY_LINES, LIGHT_LINES = 100, 500, 5
"""One run in HEAVY_EVERY logs HEAVY_LINES lines (a full first page); the others LIGHT_LINES."""
CONCURRENT_RUNS = 1_000
"""Log lines of this many consecutive runs are interleaved, as if they ran at once."""
CHUNK = 20_000
STATE_WEIGHTS = {"Success": 89, "Failed": 8, "Cancelled": 2, "TimedOut": 1}


@dataclass
class SeedResult:
    """What was written, how long each table took, and ids for the queries to use."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    flow_ids: list[str] = field(default_factory=list)
    heavy_run_ids: list[str] = field(default_factory=list)


def _uuids(rng: random.Random) -> Iterator[str]:
    while True:
        yield str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _flows(now: datetime, ids: Iterator[str]) -> tuple[list[dict[str, Any]], ...]:
    project = {"id": next(ids), "name": "bench", "description": None, "created": now}
    groups, flows = [], []
    for k in range(N_FLOWS):
        group_id, name = next(ids), f"bench-flow-{k:02d}"
        groups.append({"id": group_id, "project_id": project["id"], "name": name,
                       "schedule": None, "schedule_active": False, "created": now,
                       "updated": now})
        flows.append({
            "id": next(ids), "flow_group_id": group_id, "version": 1, "name": name,
            "hash": f"{k:064x}", "idempotency_key": f"{k:064x}",
            "serialized": {"format_version": 1, "name": name, "tasks": [], "edges": []},
            "parameters": [{"name": "x", "default": 1, "required": False}], "labels": [],
            "schedule": None, "storage": None, "run_config": None, "source": None,
            "description": None, "archived": False, "created": now})
    return [project], groups, flows


def _runs(n_runs: int, flows: list[dict[str, Any]], start: datetime, rng: random.Random,
          ids: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Runs one minute apart, round-robin over the flows, oldest first; the last few Running."""
    states, weights = list(STATE_WEIGHTS), list(STATE_WEIGHTS.values())
    for i in range(n_runs):
        flow = flows[i % len(flows)]
        scheduled = start + timedelta(minutes=i)
        running = i >= n_runs - 20
        state = "Running" if running else rng.choices(states, weights)[0]
        end = None if running else scheduled + timedelta(seconds=30 + i % 60)
        yield {
            "id": next(ids), "flow_id": flow["id"], "flow_group_id": flow["flow_group_id"],
            "name": f"bench-run-{i}", "parameters": {"x": i % 7}, "context": {},
            "labels": [], "state": state,
            "state_message": None if running else f"All reference tasks ended: {state}.",
            "state_timestamp": end or scheduled, "version": 4,
            "scheduled_start_time": scheduled, "start_time": scheduled + timedelta(seconds=1),
            "end_time": end, "heartbeat": end or scheduled, "agent_id": None,
            "idempotency_key": None, "auto_scheduled": False, "times_resurrected": 0,
            "created": scheduled - timedelta(minutes=5)}


def _run_states(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for run in runs:
        yield {"flow_run_id": run["id"], "state": run["state"],
               "message": run["state_message"], "timestamp": run["state_timestamp"]}


def _task_runs(runs: list[dict[str, Any]], ids: Iterator[str]) -> Iterator[dict[str, Any]]:
    for run in runs:
        begin = run["start_time"]
        for k in range(TASKS_PER_RUN):
            started = begin + timedelta(seconds=2 * k)
            last = k == TASKS_PER_RUN - 1
            state = run["state"] if last and run["state"] != "Cancelled" else "Success"
            yield {"id": next(ids), "flow_run_id": run["id"], "task_slug": f"task-{k}",
                   "map_index": -1, "task_name": "task", "state": state,
                   "state_message": f"Task run ended: {state}.",
                   "state_timestamp": started + timedelta(seconds=1),
                   "start_time": started, "end_time": started + timedelta(seconds=1),
                   "result_location": None}


def _logs(runs: list[dict[str, Any]], first_index: int) -> Iterator[dict[str, Any]]:
    """Lines of CONCURRENT_RUNS runs at a time, round-robin, so a run's lines are spread out."""
    for block in range(0, len(runs), CONCURRENT_RUNS):
        members = runs[block:block + CONCURRENT_RUNS]
        counts = [HEAVY_LINES if (first_index + block + j) % HEAVY_EVERY == 0 else LIGHT_LINES
                  for j in range(len(members))]
        for line in range(max(counts)):
            for run, count in zip(members, counts, strict=True):
                if line < count:
                    slug = f"task-{line % TASKS_PER_RUN}"
                    yield {"flow_run_id": run["id"], "task_slug": slug, "map_index": -1,
                           "timestamp": run["start_time"] + timedelta(milliseconds=50 * line),
                           "level": 40 if line % 97 == 96 else 20, "name": "caudal.TaskRunner",
                           "message": f"Task '{slug}': Finished task run for task with final "
                                      f"state: 'Success' (line {line})"}


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Writer:
    """Bulk writes into one database: COPY on PostgreSQL, Core executemany on SQLite."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.engine.connect()
        if db.is_sqlite:
            # Before any transaction starts, or SQLite ignores them.
            raw = self.conn.connection.dbapi_connection
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA foreign_keys=OFF")

    def write(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        written = 0
        for chunk in _chunks(rows, CHUNK):
            with self.conn.begin():
                if self.db.is_sqlite:
                    self.conn.execute(table.insert(), chunk)
                else:
                    self._copy(table, chunk)
            written += len(chunk)
        return written

    def _copy(self, table: Table, rows: list[dict[str, Any]]) -> None:
        columns = [c.name for c in table.c if c.name in rows[0]]
        jsons = {c.name for c in table.c if c.type.__class__.__name__ == "JSON"}
        cursor = self.conn.connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in jsons else row[c] for c in columns])

    def close(self) -> None:
        if not self.db.is_sqlite:
            self.conn.execute(text("ANALYZE"))
            self.conn.commit()
        self.conn.close()


def seed(url: str, scale: float = 1.0, seed_value: int = 6) -> SeedResult:
    """Migrate the empty database at ``url`` and fill it; returns counts, timings and ids."""
    db = Database(url)
    result = SeedResult()
    started = time.perf_counter()
    migrations.upgrade(db)
    result.seconds["migrate"] = time.perf_counter() - started
    rng = random.Random(seed_value)
    ids = _uuids(rng)
    n_runs = max(N_FLOWS * 2, int(RUNS * scale))
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=n_runs)
    writer = _Writer(db)
    try:
        projects, groups, flows = _flows(now, ids)
        for table, rows in ((models.projects, projects), (models.flow_groups, groups),
                            (models.flows, flows)):
            writer.write(table, rows)
        result.flow_ids = [f["id"] for f in flows]
        totals = dict.fromkeys(("flow_runs", "flow_run_states", "task_runs", "logs"), 0)
        timings = dict.fromkeys(totals, 0.0)
        # A block of runs at a time: their states, task runs and logs follow them.
        run_rows = _runs(n_runs, flows, start, rng, ids)
        for index in range(0, n_runs, CONCURRENT_RUNS * 10):
            runs = [next(run_rows) for _ in range(min(CONCURRENT_RUNS * 10, n_runs - index))]
            result.heavy_run_ids += [r["id"] for j, r in enumerate(runs)
                                     if (index + j) % HEAVY_EVERY == 0]
            for name, table, rows in (
                    ("flow_runs", models.flow_runs, runs),
                    ("flow_run_states", models.flow_run_states, _run_states(runs)),
                    ("task_runs", models.task_runs, _task_runs(runs, ids)),
                    ("logs", models.logs, _logs(runs, index))):
                began = time.perf_counter()
                totals[name] += writer.write(table, rows)
                timings[name] += time.perf_counter() - began
        began = time.perf_counter()
    finally:
        writer.close()
        db.dispose()
    result.seconds.update(timings)
    result.seconds["analyze"] = time.perf_counter() - began
    result.seconds["total"] = time.perf_counter() - started
    result.counts = {"flows": len(flows), **totals}
    return result
