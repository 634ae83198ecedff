"""Many clients renaming and cancelling the same runs through /graphql at once: every answer
is a GraphQL answer (no 5xx), each run is cancelled exactly once, and its final name is one
that a client was told it set."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from .builders import history_of, new_runs
from .crowd import Tally, crowd, http_client

RUNS = 3
WORKERS = 12
ROUNDS = 4

RENAME = """mutation($input: set_flow_run_name_input!) {
    set_flow_run_name(input: $input) { success } }"""
CANCEL = """mutation($input: cancel_flow_run_input!) {
    cancel_flow_run(input: $input) { state } }"""


def test_renames_and_cancels_through_graphql_at_once(
        api: httpx.Client, server_url: str, project: str) -> None:
    ids = new_runs(api, RUNS)
    tally = Tally()

    def job(client: Any, worker: int, round_: int) -> None:
        run_id = ids[worker % RUNS]
        if (worker + round_) % 3 == 0:
            tally.send(client, "cancel", run_id, "POST", "/graphql", json={
                "query": CANCEL, "variables": {"input": {"flow_run_id": run_id}}})
        else:
            name = f"w{worker}-r{round_}"
            tally.send(client, "rename", f"{run_id} {name}", "POST", "/graphql", json={
                "query": RENAME, "variables": {"input": {"flow_run_id": run_id,
                                                         "name": name}}})

    crowd(WORKERS, ROUNDS, job, lambda worker: http_client(server_url))

    assert tally.unexpected({"cancel": {200}, "rename": {200}}) == Counter(), tally.summary()
    renamed = [a for a in tally.of("rename") if "errors" not in a.body]
    assert len(renamed) == len(tally.of("rename")), tally.summary()
    for run_id in ids:
        cancels = [a.body for a in tally.of("cancel") if a.key == run_id]
        done = [body for body in cancels if "errors" not in body]
        refused = [body for body in cancels if "errors" in body]
        assert done == [{"data": {"cancel_flow_run": {"state": "Cancelled"}}}], cancels
        assert all("has already finished" in body["errors"][0]["message"]
                   for body in refused), refused
        run = api.get(f"/api/flow-runs/{run_id}").json()
        assert run["state"] == "Cancelled"
        assert history_of(api, run_id).count("Cancelled") == 1
        told = {a.key.split(" ", 1)[1] for a in renamed if a.key.startswith(run_id)}
        assert run["name"] in told, (run["name"], told)
