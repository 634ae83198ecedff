"""schemathesis against the server's own OpenAPI document: no request gets a 5xx.

Every operation gets a few dozen generated requests, valid and invalid, against the real
server on each database. Half of them name objects that exist (a project, a scheduled flow, a
run with logs and task runs, an agent, an API key), so that odd values reach the database
instead of stopping at a 404. Every answer must be documented and match its schema.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from caudal.server.app import create_app
from caudal.server.settings import ServerSettings

# The document is built at import, because schemathesis makes one test per operation when
# tests are collected; test_served_document_is_the_one_tested checks that the running server
# serves this very document. No database is opened: the engine connects lazily.
DOCUMENT = create_app(ServerSettings(database_url="sqlite://")).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]

# A claim may wait up to 60 s for a run by design; generated requests wait at most this long.
MAX_CLAIM_WAIT_S = 0.2

HOURLY = {"type": "Schedule", "clocks": [{"type": "IntervalClock", "start_date": None,
                                          "end_date": None, "parameter_defaults": {},
                                          "labels": None, "interval_s": 3600.0}],
          "filters": [], "or_filters": [], "not_filters": [], "adjustments": []}


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@pytest.fixture
def seeded(served: Any) -> dict[str, str]:
    """Objects that exist on the server, by the name of the path parameter that finds them."""
    with httpx.Client(base_url=served.url, timeout=30) as api:
        _ok(api.post("/api/projects", json={"name": "fuzz"}))
        flow = _ok(api.post("/api/flows/register", json={
            "project": "fuzz", "name": "hourly", "hash": "h1", "source": "# flow file",
            "serialized": {"parameters": [{"name": "x", "default": 1, "required": False}],
                           "schedule": HOURLY}}))
        run = _ok(api.post("/api/flow-runs", json={"flow_id": flow["flow_id"],
                                                   "parameters": {"x": 2}}))
        _ok(api.post("/api/logs", json=[{"flow_run_id": run["id"], "level": 20,
                                         "timestamp": "2024-01-01T00:00:00Z",
                                         "message": "hello"}]))
        _ok(api.post("/api/task-runs/states", json=[{"flow_run_id": run["id"],
                                                     "task_slug": "t-1", "state": "Running"}]))
        agent = _ok(api.post("/api/agents", json={"name": "fuzz-agent"}))
        key = _ok(api.post("/api/api-keys", json={"name": "fuzz", "role": "viewer"}))
    return {"flow_id": flow["flow_id"], "flow_run_id": run["id"], "agent_id": agent["id"],
            "key_id": key["id"]}


def _use_real_ids(case: Any, ids: dict[str, str]) -> None:
    for name in list(case.path_parameters or {}):
        if name in ids:
            case.path_parameters[name] = ids[name]
    body = case.body
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, dict):
            for name in ("flow_id", "flow_run_id"):
                if name in item:
                    item[name] = ids[name]
            if isinstance(item.get("parameters"), dict):
                # The seeded flow has one parameter, 'x'; other names never reach the database.
                item["parameters"] = {k: v for k, v in item["parameters"].items() if k == "x"}


def _bound_claim_wait(case: Any) -> None:
    # A run's event stream lasts until the run finishes: bounded like a claim's wait.
    if case.path.endswith(("/events", "/logs/stream")):
        case.query = {**(case.query or {}), "max_s": MAX_CLAIM_WAIT_S}
    if isinstance(case.body, dict):
        wait = case.body.get("wait_s")
        if isinstance(wait, int | float) and not isinstance(wait, bool) and \
                wait > MAX_CLAIM_WAIT_S:
            case.body["wait_s"] = MAX_CLAIM_WAIT_S


@schema.parametrize()
@schema.given(real_ids=st.booleans())
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any, real_ids: bool, served: Any,
                          seeded: dict[str, str]) -> None:
    if real_ids:
        _use_real_ids(case, seeded)
    _bound_claim_wait(case)
    case.call_and_validate(base_url=served.url, checks=CHECKS)


def test_served_document_is_the_one_tested(api: httpx.Client) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200, response.text
    assert response.json() == DOCUMENT
