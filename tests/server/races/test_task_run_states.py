"""Batches of task-run states sent at once in opposite key orders: none fails, none is lost.

Half the writers name the task runs in ascending order and half in descending order, as two
flow runners flushing overlapping batches might; a database that locks rows in batch order
must not deadlock into a 5xx.
"""

from __future__ import annotations

from collections import Counter

import httpx
from sqlalchemy import select

from caudal.server.db import models
from caudal.server.db.engine import Database

from ..helpers import build_flow, create_run, register
from .builders import count_rows
from .crowd import Tally, crowd, http_client

FLOW_RUNS = 2
SLUGS = 10
MAP_INDEXES = 10
WRITERS = 4
ROUNDS = 4


def _keys(flow_run_ids: list[str]) -> list[tuple[str, str, int]]:
    """Every task run of the test, ascending: flow run, slug, map index."""
    return sorted((run_id, f"task-{s:02d}", i) for run_id in flow_run_ids
                  for s in range(SLUGS) for i in range(MAP_INDEXES))


def test_batches_in_opposite_orders_are_all_written_once(
        api: httpx.Client, db: Database, server_url: str, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    run_ids = [create_run(api, flow_id=flow_id)["id"] for _ in range(FLOW_RUNS)]
    keys = _keys(run_ids)
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        ordered = keys if worker % 2 == 0 else keys[::-1]
        message = f"writer {worker}, round {round_}"
        batch = [{"flow_run_id": run_id, "task_slug": slug, "map_index": index,
                  "task_name": slug, "state": "Running", "message": message}
                 for run_id, slug, index in ordered]
        tally.send(http, "states", message, "POST", "/api/task-runs/states", json=batch)

    crowd(WRITERS, ROUNDS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"states": {200}}) == Counter(), tally.summary()
    written = [a.body["written"] for a in tally.of("states", 200)]
    assert written == [len(keys)] * WRITERS * ROUNDS
    listed = Counter((t["flow_run_id"], t["task_slug"], t["map_index"])
                     for run_id in run_ids
                     for t in api.get(f"/api/flow-runs/{run_id}/task-runs").json())
    assert sorted(listed) == keys
    assert set(listed.values()) == {1}
    assert count_rows(db, models.task_runs) == len(keys)
    assert count_rows(db, models.task_run_states) == sum(written)
    history = models.task_run_states
    with db.read() as conn:
        per_batch = Counter(conn.execute(select(history.c.message)).scalars())
    assert per_batch == Counter({a.key: len(keys) for a in tally.of("states", 200)})
