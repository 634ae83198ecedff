"""One task-run id rule: the runner's context and the server's rows agree on every id."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from caudal import Flow, context, task
from caudal.wire.ids import task_run_id


@task
def who_am_i(x: int = 0) -> tuple[Any, ...]:
    return (context.get("task_run_id"), context.get("task_slug"), context.get("map_index"))


def test_runner_gives_each_task_run_the_id_the_rule_derives() -> None:
    with Flow("ids") as flow:
        single = who_am_i()
        mapped = who_am_i.map([1, 2, 3])

    state = flow.run(context={"flow_run_id": "run-1"})

    seen = [state.result[single].result, *state.result[mapped].result]
    assert [run_id for run_id, _, _ in seen] == [
        task_run_id("run-1", slug, index) for _, slug, index in seen]
    assert len({run_id for run_id, _, _ in seen}) == 4  # one per task run, children included


def test_server_keys_task_runs_by_the_same_rule(api: httpx.Client) -> None:
    with Flow("ids") as flow:
        who_am_i()
    api.post("/api/projects", json={"name": "p"}).raise_for_status()
    registered = api.post("/api/flows/register", json={
        "project": "p", "name": flow.name, "hash": flow.serialized_hash(),
        "serialized": flow.serialize()})
    registered.raise_for_status()
    created = api.post("/api/flow-runs", json={"flow_id": registered.json()["flow_id"]})
    run_id = created.json()["id"]
    api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Running"},
        {"flow_run_id": run_id, "task_slug": "load-1", "map_index": 2, "state": "Running"},
    ]).raise_for_status()

    rows = api.get(f"/api/flow-runs/{run_id}/task-runs").json()

    assert {r["id"] for r in rows} == {task_run_id(run_id, "extract-1", None),
                                       task_run_id(run_id, "load-1", 2)}


def test_ids_stay_the_uuid5_that_rows_already_stored_are_keyed_by() -> None:
    namespace = uuid.UUID("4f0c6f2e-64b4-4a55-9b56-0c1c2d1e3f40")
    for run_id, slug, index in [("run-1", "extract-1", None), ("9b1d-…", "café-2", 7),
                                (str(uuid.uuid4()), "load\u200b-1", 2**31 - 1)]:
        stored = uuid.uuid5(namespace, f"{run_id}\0{slug}\0{-1 if index is None else index}")
        assert task_run_id(run_id, slug, index) == str(stored)
        assert uuid.UUID(task_run_id(run_id, slug, index)).version == 5
