"""Flows of flows and restarts under concurrent callers, on both databases.

- Many clients restart the same failed run at once (a user double-clicking, two operators):
  exactly one restart takes it back to Scheduled, the others are refused (409), and its
  history shows one restart.
- Children are created for a parent while the parent is deleted: each creation either
  makes its child (linked, then unlinked when the parent goes: no child keeps the id of a
  run that no longer exists) or is refused because the parent is gone; nothing answers 500.
"""

from __future__ import annotations

from collections import Counter

import httpx

from ..helpers import set_state
from .builders import history_of, new_runs
from .crowd import Tally, crowd, http_client

RUNS = 6
WORKERS = 8


def test_a_failed_run_restarted_by_many_at_once_restarts_once(
        api: httpx.Client, server_url: str, project: str) -> None:
    ids = new_runs(api, RUNS)
    versions = {}
    for run_id in ids:
        set_state(api, run_id, "Running")
        versions[run_id] = set_state(api, run_id, "Failed", message="a file was missing")["version"]
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        run_id = ids[round_]
        # What Client.restart_flow_run sends: Scheduled, at the version it read as Failed.
        tally.send(http, "restart", run_id, "POST", f"/api/flow-runs/{run_id}/state",
                   json={"state": "Scheduled", "version": versions[run_id],
                         "message": "Restarted: the task runs that did not succeed run again."})

    crowd(WORKERS, RUNS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"restart": {200, 409}}) == Counter(), tally.summary()
    for run_id in ids:
        taken = [a for a in tally.of("restart", 200) if a.key == run_id]
        assert len(taken) == 1, f"run {run_id} restarted {len(taken)} times; {tally.summary()}"
        assert history_of(api, run_id) == ["Scheduled", "Running", "Failed", "Scheduled"]
        assert api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Scheduled"


def test_children_created_while_their_parent_is_deleted(
        api: httpx.Client, server_url: str, project: str) -> None:
    parents = new_runs(api, RUNS)
    flow_id = api.get(f"/api/flow-runs/{parents[0]}").json()["flow_id"]
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        parent = parents[round_]
        if worker == WORKERS // 2:
            tally.send(http, "delete", parent, "DELETE", f"/api/flow-runs/{parent}")
        else:
            tally.send(http, "child", parent, "POST", "/api/flow-runs",
                       json={"flow_id": flow_id, "parent_flow_run_id": parent,
                             "run_name": f"child-{worker}"})

    crowd(WORKERS, RUNS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"delete": {204}, "child": {201, 422}}) == Counter(), \
        tally.summary()
    for refused in tally.of("child", 422):
        assert "does not exist" in str(refused.body), refused
    made = [a.body["id"] for a in tally.of("child", 201)]
    assert made, "no child was created before its parent went"
    for child_id in made:
        child = api.get(f"/api/flow-runs/{child_id}")
        assert child.status_code == 200, child.text
        assert child.json()["parent_flow_run_id"] is None, child.json()
    for parent in parents:
        assert api.get(f"/api/flow-runs/{parent}").status_code == 404
        listed = api.get("/api/flow-runs", params={"parent_flow_run_id": parent}).json()
        assert listed["items"] == []
