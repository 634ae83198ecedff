"""A flow run ends Failed (its agent found its process dead, the reaper gave up on it) while
task states it reported are still arriving: whichever is written first, no task run of the
ended flow run is left unfinished, and every state a batch was answered 200 for is kept.

One thread per run sends a batch of Running states for its task runs while another fails the
run, as a run process whose batches reach the server late would.
"""

from __future__ import annotations

from collections import Counter

import httpx

from caudal.wire.states import STATE_KINDS, StateKind

from ..helpers import set_state
from .builders import new_runs
from .crowd import Tally, crowd, http_client

RUNS = 24
PAIRS = 6
TASK_RUNS = 20


def test_a_run_failed_while_its_task_states_arrive_leaves_none_unfinished(
        api: httpx.Client, server_url: str, project: str) -> None:
    ids = new_runs(api, RUNS)
    for run_id in ids:
        set_state(api, run_id, "Running")
    tally = Tally()

    def job(http: httpx.Client, worker: int, round_: int) -> None:
        run_id = ids[round_ * PAIRS + worker // 2]
        if worker % 2:
            tally.send(http, "fail", run_id, "POST", f"/api/flow-runs/{run_id}/state",
                       json={"state": "Failed", "message": "its process died"})
        else:
            tally.send(http, "states", run_id, "POST", "/api/task-runs/states", json=[
                {"flow_run_id": run_id, "task_slug": "work-1", "map_index": i,
                 "task_name": "work", "state": "Running"} for i in range(TASK_RUNS)])

    crowd(2 * PAIRS, RUNS // PAIRS, job, lambda _: http_client(server_url))

    assert tally.unexpected({"fail": {200}, "states": {200}}) == Counter(), tally.summary()
    unfinished = {}
    for run_id in ids:
        assert api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Failed"
        task_runs = api.get(f"/api/flow-runs/{run_id}/task-runs").json()
        assert len(task_runs) == TASK_RUNS
        left = [t["state"] for t in task_runs
                if STATE_KINDS[t["state"]] is not StateKind.FINISHED]
        if left:
            unfinished[run_id] = left
        for t in task_runs:
            assert t["state"] == "Failed", t
            assert "ended Failed while this task run was unfinished" in t["state_message"]
    assert unfinished == {}, (f"{len(unfinished)} of {RUNS} failed runs kept unfinished task "
                              f"runs; {tally.summary()}")
