"""Flows of flows on the server: a run started from another run records it, and the API lists
a run's children; a parent that does not exist is refused, and deleting one keeps its
children."""

from __future__ import annotations

import httpx

from ..helpers import build_flow, create_run, register


def test_children_record_their_parent_and_are_listed_by_it(api: httpx.Client,
                                                           project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    parent = create_run(api, flow_id=flow_id)["id"]
    other = create_run(api, flow_id=flow_id)["id"]
    children = [create_run(api, flow_id=flow_id, parent_flow_run_id=parent,
                           idempotency_key=f"child-{n}") for n in range(3)]
    create_run(api, flow_id=flow_id, parent_flow_run_id=other)

    assert {c["parent_flow_run_id"] for c in children} == {parent}
    listed = api.get("/api/flow-runs", params={"parent_flow_run_id": parent}).json()["items"]
    assert sorted(r["id"] for r in listed) == sorted(c["id"] for c in children)
    assert api.get(f"/api/flow-runs/{parent}").json()["parent_flow_run_id"] is None
    # The same child asked for again (a retried parent task) is the same run.
    again = create_run(api, expect=200, flow_id=flow_id, parent_flow_run_id=parent,
                       idempotency_key="child-0")
    assert again["id"] == children[0]["id"]


def test_a_parent_that_does_not_exist_is_refused(api: httpx.Client, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]

    response = api.post("/api/flow-runs", json={"flow_id": flow_id,
                                                "parent_flow_run_id": "no-such-run"})

    assert response.status_code == 422, response.text
    assert "Parent flow run 'no-such-run' does not exist" in response.json()["detail"]
    assert api.get("/api/flow-runs").json()["items"] == []


def test_deleting_a_parent_keeps_its_children(api: httpx.Client, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    parent = create_run(api, flow_id=flow_id)["id"]
    child = create_run(api, flow_id=flow_id, parent_flow_run_id=parent)["id"]

    assert api.delete(f"/api/flow-runs/{parent}").status_code == 204

    assert api.get(f"/api/flow-runs/{child}").json()["parent_flow_run_id"] is None
