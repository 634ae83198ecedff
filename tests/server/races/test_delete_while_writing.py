"""Deleting runs while their logs and task-run states are being written: no 5xx, no orphans.

A writer that loses to the delete is told 404; whatever it was told, nothing it wrote may
outlive the run, and every batch acknowledged for a run that stays is there.
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

RUNS_PER_ROUND = 4
ROUNDS = 6
WORKERS_PER_RUN = 4
"""One deleter and three writers (logs, task-run states, logs) per doomed run."""

LINES = 20
BATCHES = 2
"""Each writer sends this many batches to its doomed run, each followed by one to the kept run."""

T0 = "2031-01-01T09:00:00+00:00"


def _logs(run_id: str, tag: str) -> list[dict]:
    return [{"flow_run_id": run_id, "timestamp": T0, "level": 20, "message": f"{tag} line {i}"}
            for i in range(LINES)]


def _states(run_id: str, tag: str) -> list[dict]:
    return [{"flow_run_id": run_id, "task_slug": f"{tag} task {i}", "state": "Running"}
            for i in range(LINES)]


def test_delete_racing_writes_answers_404_and_leaves_no_rows_of_the_run(
        api: httpx.Client, db: Database, server_url: str, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    doomed = [create_run(api, flow_id=flow_id)["id"] for _ in range(RUNS_PER_ROUND * ROUNDS)]
    kept = create_run(api, flow_id=flow_id)["id"]
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        run_id = doomed[round_ * RUNS_PER_ROUND + worker // WORKERS_PER_RUN]
        role = worker % WORKERS_PER_RUN
        if role == 0:
            tally.send(http, "delete", run_id, "DELETE", f"/api/flow-runs/{run_id}")
            return
        kind, path, batch = (("states", "/api/task-runs/states", _states) if role == 2
                             else ("logs", "/api/logs", _logs))
        for i in range(BATCHES):
            tag = f"worker {worker} round {round_} batch {i}"
            tally.send(http, kind, run_id, "POST", path, json=batch(run_id, tag))
            tally.send(http, kind, kept, "POST", path, json=batch(kept, tag))

    crowd(RUNS_PER_ROUND * WORKERS_PER_RUN, ROUNDS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"delete": {204, 404}, "logs": {200, 404},
                             "states": {200, 404}}) == Counter(), tally.summary()
    assert {a.status for a in tally.answers if a.key == kept} == {200}, tally.summary()
    assert all(a.body == {"written": LINES} for a in tally.answers if a.status == 200)

    runs, logs, task_runs = models.flow_runs, models.logs, models.task_runs
    left = {
        "flow runs": count_rows(db, runs, runs.c.id.in_(doomed)),
        "flow run states": count_rows(db, models.flow_run_states,
                                      models.flow_run_states.c.flow_run_id.in_(doomed)),
        "log lines": count_rows(db, logs, logs.c.flow_run_id.in_(doomed)),
        "task runs": count_rows(db, task_runs, task_runs.c.flow_run_id.in_(doomed)),
        "task run states without a task run": count_rows(
            db, models.task_run_states,
            models.task_run_states.c.task_run_id.not_in(select(task_runs.c.id))),
    }
    assert left == dict.fromkeys(left, 0), tally.summary()

    acknowledged = Counter(a.kind for a in tally.answers if a.key == kept)
    kept_task_runs = select(task_runs.c.id).where(task_runs.c.flow_run_id == kept)
    assert count_rows(db, logs, logs.c.flow_run_id == kept) == acknowledged["logs"] * LINES
    assert count_rows(db, task_runs, task_runs.c.flow_run_id == kept) == \
        acknowledged["states"] * LINES
    assert count_rows(db, models.task_run_states,
                      models.task_run_states.c.task_run_id.in_(kept_task_runs)) == \
        acknowledged["states"] * LINES
