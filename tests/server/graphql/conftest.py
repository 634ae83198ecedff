"""A small world of flows, runs and task runs for the GraphQL tests, made over the REST API.

Projects 'pipelines' (flow 'etl', two versions) and 'reports' (flow 'daily'); four runs of
them at known times, in known states, with two task runs on the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ..helpers import build_flow, create_project, create_run, register, set_state

T0 = dt.datetime(2031, 1, 1, 9, 0, tzinfo=dt.UTC)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def gql(api: httpx.Client, query: str, variables: dict[str, Any] | None = None,
        **headers: str) -> dict[str, Any]:
    """POST /graphql; the answer's JSON (asserting a 200)."""
    response = api.post("/graphql", json={"query": query, "variables": variables},
                        headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def data(api: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The ``data`` of an answer that must have no errors."""
    answer = gql(api, query, variables)
    assert "errors" not in answer, answer
    return answer["data"]


def error_of(api: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> str:
    """The one error message of an answer that must have no data."""
    answer = gql(api, query, variables)
    assert "data" not in answer, answer
    (error,) = answer["errors"]
    return str(error["message"])


@dataclass
class World:
    etl_v1: str
    etl_v2: str
    daily: str
    etl_group: str
    runs: dict[str, str]  # by name: a (Scheduled, T0), b (Running, T0+1h), c (Success,
    # T0+2h, flow v1), d (Failed, T0+3h, flow 'daily')


@pytest.fixture
def world(api: httpx.Client) -> World:
    create_project(api, "pipelines")
    create_project(api, "reports")
    v1 = register(api, build_flow("etl"), labels=["etl"])
    # Run c before version 2 is registered, which archives version 1.
    run_c = create_run(api, flow_id=v1["flow_id"], run_name="c", scheduled_start_time=at(2))
    v2 = register(api, build_flow("etl", changed=True), labels=["etl"])
    daily = register(api, build_flow("daily"), project="reports")
    runs = {
        "a": create_run(api, flow_id=v2["flow_id"], run_name="a", scheduled_start_time=at(0),
                        parameters={"source": "s3://a"})["id"],
        "b": create_run(api, flow_id=v2["flow_id"], run_name="b",
                        scheduled_start_time=at(1))["id"],
        "c": run_c["id"],
        "d": create_run(api, flow_id=daily["flow_id"], run_name="d",
                        scheduled_start_time=at(3))["id"],
    }
    set_state(api, runs["b"], "Running")
    set_state(api, runs["c"], "Running")
    set_state(api, runs["c"], "Success", message="all good")
    set_state(api, runs["d"], "Running")
    set_state(api, runs["d"], "Failed", message="boom")
    written = api.post("/api/task-runs/states", json=[
        {"flow_run_id": runs["a"], "task_slug": slug, "task_name": slug.split("-")[0],
         "state": state, "timestamp": at(0).isoformat(), "message": None}
        for slug, state in (("extract-1", "Success"), ("load-1", "Failed"))])
    assert written.status_code == 200, written.text
    group = api.get(f"/api/flows/{v1['flow_id']}").json()["flow_group_id"]
    return World(v1["flow_id"], v2["flow_id"], daily["flow_id"], group, runs)
