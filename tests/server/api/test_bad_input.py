"""Bad requests get a 4xx whose ``detail`` says what is wrong, on SQLite and PostgreSQL.

Malformed and mistyped bodies, unknown fields and ids, impossible state changes, parameters
the flow does not have, text a database cannot store (NUL, lone surrogates), numbers and
dates out of range, lists too long, cursors from elsewhere: none may reach the database as
an internal error.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

RAW_JSON = {"Content-Type": "application/json"}
LINE = {"timestamp": "2024-05-01T12:00:00Z", "level": 20, "message": "hello"}


def _refused(response: httpx.Response, status: int, *words: str) -> str:
    """Assert the answer is ``status`` with a JSON detail sentence holding every word."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    for word in words:
        assert word in detail, (word, detail)
    return detail


@pytest.fixture
def flow(api: httpx.Client) -> dict[str, Any]:
    """Flow 'etl' (parameters 'day', required, and 'limit') in project 'p', with one run."""
    assert api.post("/api/projects", json={"name": "p"}).status_code == 201
    registered = api.post("/api/flows/register", json={
        "project": "p", "name": "etl", "hash": "h1", "serialized": {"parameters": [
            {"name": "day", "default": None, "required": True},
            {"name": "limit", "default": 10, "required": False}]}})
    assert registered.status_code == 201, registered.text
    flow_id = registered.json()["flow_id"]
    run = api.post("/api/flow-runs", json={"flow_id": flow_id, "parameters": {"day": "mon"}})
    assert run.status_code == 201, run.text
    agent = api.post("/api/agents", json={"name": "etl-1"})
    return {"flow_id": flow_id, "flow_run_id": run.json()["id"], "run": run.json(),
            "agent_id": agent.json()["id"]}


def _new_run(api: httpx.Client, flow: dict[str, Any], **fields: Any) -> httpx.Response:
    return api.post("/api/flow-runs", json={"flow_id": flow["flow_id"],
                                            "parameters": {"day": "mon"}, **fields})


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


# --- bodies that are not what the route reads ----------------------------------------------

def test_malformed_json_body(api: httpx.Client) -> None:
    response = api.post("/api/projects", content=b'{"name": "p",', headers=RAW_JSON)
    _refused(response, 422, "not valid JSON", "at character 13")


def test_body_that_is_not_utf8(api: httpx.Client) -> None:
    response = api.post("/api/projects", content=b'{"name": "\xff"}', headers=RAW_JSON)
    _refused(response, 422, "not valid JSON", "not UTF-8")


def test_body_without_json_content_type(api: httpx.Client) -> None:
    response = api.post("/api/projects", content=b'{"name": "p"}',
                        headers={"Content-Type": "text/plain"})
    _refused(response, 422, "Content-Type: application/json")


def test_array_where_object_expected(api: httpx.Client) -> None:
    _refused(api.post("/api/projects", json=[{"name": "p"}]), 422,
             "expected a JSON object, got an array")


def test_object_where_array_expected(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = api.post("/api/logs", json={"flow_run_id": flow["flow_run_id"], **LINE})
    _refused(response, 422, "expected a JSON array, got an object")


def test_object_field_given_an_array(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = api.post("/api/flow-runs", json={"flow_id": flow["flow_id"],
                                                "parameters": ["mon"]})
    _refused(response, 422, "parameters: expected a JSON object, got an array")


def test_wrong_type_names_the_field(api: httpx.Client, flow: dict[str, Any]) -> None:
    _refused(api.post("/api/flow-runs", json={"flow_id": 5}), 422,
             "flow_id", "valid string")
    response = api.post("/api/logs", json=[{"flow_run_id": flow["flow_run_id"], **LINE,
                                            "level": "loud"}])
    _refused(response, 422, "0.level", "valid integer")
    _refused(api.get("/api/flow-runs", params={"limit": "ten"}), 422, "query.limit")


def test_unknown_field_is_refused(api: httpx.Client, flow: dict[str, Any]) -> None:
    _refused(_new_run(api, flow, priority=1), 422, "priority", "not permitted")
    response = api.post(f"/api/flow-runs/{flow['flow_run_id']}/state",
                        json={"state": "Running", "mesage": "typo"})
    _refused(response, 422, "mesage", "not permitted")


def test_missing_body(api: httpx.Client) -> None:
    _refused(api.post("/api/projects"), 422, "body", "Field required")


# --- ids that name nothing ---------------------------------------------------------------

MISSING = "00000000-0000-0000-0000-00000000dead"


@pytest.mark.parametrize(("method", "path", "body", "words"), [
    ("GET", "/api/flows/{id}", None, ["Flow '{id}' does not exist"]),
    ("GET", "/api/flows/{id}/versions", None, ["Flow '{id}' does not exist"]),
    ("GET", "/api/flows/{id}/source", None, ["Flow '{id}' does not exist"]),
    ("POST", "/api/flows/{id}/archive", None, ["Flow '{id}' does not exist"]),
    ("POST", "/api/flows/{id}/schedule/activate", None, ["Flow '{id}' does not exist"]),
    ("POST", "/api/flows/{id}/schedule/deactivate", None, ["Flow '{id}' does not exist"]),
    ("POST", "/api/flow-runs", {"flow_id": "{id}"}, ["Flow '{id}' does not exist"]),
    ("GET", "/api/flow-runs/{id}", None, ["Flow run '{id}' does not exist"]),
    ("PATCH", "/api/flow-runs/{id}", {"name": "x"}, ["Flow run '{id}' does not exist"]),
    ("DELETE", "/api/flow-runs/{id}", None, ["Flow run '{id}' does not exist"]),
    ("POST", "/api/flow-runs/{id}/state", {"state": "Running"},
     ["Flow run '{id}' does not exist"]),
    ("GET", "/api/flow-runs/{id}/states", None, ["Flow run '{id}' does not exist"]),
    ("POST", "/api/flow-runs/{id}/cancel", None, ["Flow run '{id}' does not exist"]),
    ("POST", "/api/flow-runs/{id}/heartbeat", None, ["Flow run '{id}' does not exist"]),
    ("GET", "/api/flow-runs/{id}/task-runs", None, ["Flow run '{id}' does not exist"]),
    ("GET", "/api/flow-runs/{id}/logs", None, ["Flow run '{id}' does not exist"]),
    ("POST", "/api/logs", [{"flow_run_id": "{id}", **LINE}],
     ["Flow run '{id}' does not exist", "not written"]),
    ("POST", "/api/task-runs/states", [{"flow_run_id": "{id}", "task_slug": "t",
                                        "state": "Running"}],
     ["Flow run '{id}' does not exist", "not written"]),
    ("POST", "/api/agents/{id}/heartbeat", None, ["Agent '{id}' does not exist"]),
    ("POST", "/api/agents/{id}/claim", {}, ["Agent '{id}' does not exist"]),
    ("DELETE", "/api/api-keys/{id}", None, ["API key '{id}' does not exist"]),
])
def test_unknown_id_is_404_naming_it(api: httpx.Client, method: str, path: str, body: Any,
                                     words: list[str]) -> None:
    if body is not None:
        body = json.loads(json.dumps(body).replace("{id}", MISSING))
    response = api.request(method, path.format(id=MISSING), json=body)
    _refused(response, 404, *(w.format(id=MISSING) for w in words))


def test_unknown_project_and_flow_names_are_404(api: httpx.Client,
                                                flow: dict[str, Any]) -> None:
    response = api.post("/api/flows/register", json={
        "project": "nowhere", "name": "etl", "hash": "h", "serialized": {}})
    _refused(response, 404, "Project 'nowhere' does not exist", "caudal create project")
    response = api.post("/api/flow-runs", json={"flow_name": "elt", "project": "p"})
    _refused(response, 404, "No active flow named 'elt' in project 'p'")


def test_unknown_route_and_method(api: httpx.Client) -> None:
    _refused(api.get("/api/flow-rnus"), 404, "/api/flow-rnus", "/docs")
    _refused(api.put("/api/projects", json={}), 405, "PUT /api/projects is not allowed")


# --- states ------------------------------------------------------------------------------

def test_impossible_transitions_are_409(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    done = api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Success"})
    assert done.status_code == 200, done.text
    _refused(api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Running"}), 409,
             run_id, "is Success, a finished state", "restart")
    _refused(api.post(f"/api/flow-runs/{run_id}/cancel"), 409, run_id, "already finished")
    _refused(api.post(f"/api/flow-runs/{run_id}/heartbeat"), 409, run_id, "no more heartbeats")


def test_stale_version_is_409(api: httpx.Client, flow: dict[str, Any]) -> None:
    run = flow["run"]
    response = api.post(f"/api/flow-runs/{run['id']}/state",
                        json={"state": "Running", "version": run["version"] + 5})
    _refused(response, 409, f"is at version {run['version']}, not {run['version'] + 5}")


def test_unknown_state_name_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    _refused(api.post(f"/api/flow-runs/{run_id}/state", json={"state": "Finished"}), 422,
             "'Finished' is not a state", "Success")
    response = api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "t", "state": "Done"}])
    _refused(response, 422, "'Done' is not a state")
    _refused(api.get("/api/flow-runs", params={"state": ["Running", "Sucess"]}), 422,
             "'Sucess' is not a state")


# --- parameters --------------------------------------------------------------------------

def test_parameter_not_in_flow_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = api.post("/api/flow-runs", json={"flow_id": flow["flow_id"],
                                                "parameters": {"day": "mon", "dya": 1}})
    _refused(response, 422, "Parameter 'dya' is not a parameter of flow 'etl'",
             "'day', 'limit'")


def test_missing_required_parameter_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = api.post("/api/flow-runs", json={"flow_id": flow["flow_id"],
                                                "parameters": {"limit": 5}})
    _refused(response, 422, "Parameter 'day' is required by flow 'etl'")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_in_parameters_are_422(api: httpx.Client, flow: dict[str, Any],
                                                value: str) -> None:
    body = f'{{"flow_id": "{flow["flow_id"]}", "parameters": {{"day": {value}}}}}'
    response = api.post("/api/flow-runs", content=body.encode(), headers=RAW_JSON)
    _refused(response, 422, "parameters", "NaN and Infinity", "'day'")


def test_nan_in_number_field_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = api.post(f"/api/agents/{flow['agent_id']}/claim",
                        content=b'{"wait_s": NaN}', headers=RAW_JSON)
    _refused(response, 422, "wait_s", "finite number")


def test_huge_integer_parameter_is_kept_exactly(api: httpx.Client,
                                                flow: dict[str, Any]) -> None:
    response = _new_run(api, flow, parameters={"day": 10**30, "limit": -(2**63)})
    assert response.status_code == 201, response.text
    run = api.get(f"/api/flow-runs/{response.json()['id']}").json()
    assert run["parameters"] == {"day": 10**30, "limit": -(2**63)}


def test_number_with_too_many_digits_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    body = f'{{"flow_id": "{flow["flow_id"]}", "parameters": {{"day": {"9" * 5000}}}}}'
    response = api.post("/api/flow-runs", content=body.encode(), headers=RAW_JSON)
    _refused(response, 422, "not valid JSON", "too many digits")


def test_deeply_nested_parameters_are_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    deep: Any = "x"
    for _ in range(150):
        deep = [deep]
    response = _new_run(api, flow, parameters={"day": deep})
    _refused(response, 422, "parameters", "must not nest deeper than 100 levels", "day[0]")
    body = f'{{"flow_id": "{flow["flow_id"]}", "parameters": {{"day": {"[" * 5000}'
    body += "]" * 5000 + "}}"
    response = api.post("/api/flow-runs", content=body.encode(), headers=RAW_JSON)
    _refused(response, 422, "not valid JSON", "nests too deeply")


def test_lone_surrogate_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    body = f'{{"flow_id": "{flow["flow_id"]}", "parameters": {{"day": "\\ud800"}}}}'
    response = api.post("/api/flow-runs", content=body.encode(), headers=RAW_JSON)
    _refused(response, 422, "parameters", "lone surrogate", "'day'")
    response = api.post("/api/projects", content=b'{"name": "a\\udc00"}', headers=RAW_JSON)
    _refused(response, 422, "name", "lone surrogate", "U+DC00")


# --- NUL characters ----------------------------------------------------------------------

def test_nul_in_body_strings_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    _refused(api.post("/api/projects", json={"name": "a\x00b"}), 422, "name")
    _refused(_new_run(api, flow, run_name="a\x00b"), 422, "run_name:", "NUL")
    _refused(_new_run(api, flow, labels=["ok", "a\x00b"]), 422, "labels.1:", "NUL")
    response = api.post("/api/logs", json=[{"flow_run_id": run_id, **LINE,
                                            "message": "a\x00b"}])
    _refused(response, 422, "'message'", "NUL")
    response = api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "t\x00", "state": "Running"}])
    _refused(response, 422, "'task_slug'", "NUL")
    response = api.post(f"/api/flow-runs/{run_id}/state",
                        json={"state": "Failed", "message": "boom\x00"})
    _refused(response, 422, "'message'", "NUL")


def test_nul_in_json_parameters_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = _new_run(api, flow, parameters={"day": {"inner": ["a\x00b"]}})
    _refused(response, 422, "parameters", "NUL", "day.inner[0]")
    response = _new_run(api, flow, parameters={"da\x00y": 1})
    _refused(response, 422, "parameters", "NUL")
    response = _new_run(api, flow, context={"note": "\x00"})
    _refused(response, 422, "context", "NUL", "'note'")


def test_nul_in_url_path_and_query_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    _refused(api.get(f"/api/flow-runs/{flow['flow_run_id']}%00"), 422, "URL", "NUL")
    _refused(api.get("/api/flows/a%00b/versions"), 422, "URL", "NUL")
    _refused(api.get("/api/flow-runs", params={"flow_name": "a\x00b"}), 422, "URL", "NUL")
    response = api.get(f"/api/flow-runs/{flow['flow_run_id']}/logs", params={"text": "\x00"})
    _refused(response, 422, "URL", "NUL")


# --- dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                                  "1899-12-31T23:59:59+00:00", "2501-01-01T00:00:00Z"])
def test_datetimes_out_of_range_are_422(api: httpx.Client, flow: dict[str, Any],
                                        when: str) -> None:
    run_id = flow["flow_run_id"]
    _refused(_new_run(api, flow, scheduled_start_time=when), 422,
             "scheduled_start_time", "between the years 1900 and 2500")
    response = api.post("/api/logs", json=[{"flow_run_id": run_id, **LINE, "timestamp": when}])
    _refused(response, 422, "0.timestamp", "between the years 1900 and 2500")
    response = api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "t", "state": "Running", "timestamp": when}])
    _refused(response, 422, "0.timestamp", "between the years 1900 and 2500")
    response = api.post(f"/api/flow-runs/{run_id}/state",
                        json={"state": "Scheduled", "start_time": when})
    _refused(response, 422, "start_time", "between the years 1900 and 2500")


def test_naive_datetimes_are_taken_as_utc(api: httpx.Client, flow: dict[str, Any]) -> None:
    response = _new_run(api, flow, scheduled_start_time="2030-01-02T03:04:05")
    assert response.status_code == 201, response.text
    got = datetime.fromisoformat(response.json()["scheduled_start_time"])
    assert got == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    run_id = flow["flow_run_id"]
    written = api.post("/api/logs", json=[{"flow_run_id": run_id, **LINE,
                                           "timestamp": "2024-05-01T12:00:00"}])
    assert written.status_code == 200, written.text
    line = api.get(f"/api/flow-runs/{run_id}/logs").json()["items"][0]
    assert datetime.fromisoformat(line["timestamp"]) == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_datetime_that_is_not_one_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    _refused(_new_run(api, flow, scheduled_start_time="next tuesday"), 422,
             "scheduled_start_time", "datetime")


# --- numbers -----------------------------------------------------------------------------

def test_huge_integers_are_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    response = api.post(f"/api/flow-runs/{run_id}/state",
                        json={"state": "Running", "version": 2**63})
    _refused(response, 422, "version", "less than or equal to 2147483647")
    response = api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "t", "state": "Running", "map_index": 10**20}])
    _refused(response, 422, "0.map_index", "less than or equal to 2147483647")
    response = api.post("/api/logs", json=[{"flow_run_id": run_id, **LINE,
                                            "map_index": 10**20}])
    _refused(response, 422, "0.map_index", "less than or equal to 2147483647")
    _refused(api.get("/api/flow-runs", params={"limit": 10**9}), 422,
             "query.limit", "less than or equal to 500")
    _refused(api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 10**9}), 422,
             "query.limit", "less than or equal to 5000")
    _refused(api.post(f"/api/agents/{flow['agent_id']}/claim", json={"limit": 10**20}), 422,
             "limit", "less than or equal to 100")


def test_negative_numbers_are_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    _refused(api.get("/api/flow-runs", params={"limit": 0}), 422, "query.limit",
             "greater than or equal to 1")
    response = api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "t", "state": "Running", "map_index": -2}])
    _refused(response, 422, "0.map_index", "greater than or equal to -1")
    response = api.post(f"/api/agents/{flow['agent_id']}/claim", json={"wait_s": -1})
    _refused(response, 422, "wait_s", "greater than or equal to 0")


# --- batches and lists -------------------------------------------------------------------

def test_empty_batches_write_nothing(api: httpx.Client) -> None:
    for path in ("/api/logs", "/api/task-runs/states"):
        response = api.post(path, json=[])
        assert response.status_code == 200, response.text
        assert response.json() == {"written": 0}


def test_batches_over_the_limit_are_422(api: httpx.Client) -> None:
    _refused(api.post("/api/logs", json=[{}] * 100_001), 422,
             "body", "at most 100000 items", "not 100001")
    _refused(api.post("/api/task-runs/states", json=[{}] * 50_001), 422,
             "body", "at most 50000 items", "not 50001")


def test_batch_with_one_bad_item_writes_nothing(api: httpx.Client,
                                                flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    response = api.post("/api/logs", json=[{"flow_run_id": run_id, **LINE},
                                           {"flow_run_id": MISSING, **LINE}])
    _refused(response, 404, MISSING, "not written")
    assert api.get(f"/api/flow-runs/{run_id}/logs").json()["items"] == []


def test_lists_over_the_limit_are_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    labels = [f"l{i}" for i in range(101)]
    _refused(api.post("/api/agents", json={"name": "a", "labels": labels}), 422,
             "labels", "at most 100 items")
    _refused(_new_run(api, flow, labels=labels), 422, "labels", "at most 100 items")


def test_strings_beyond_max_length_are_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    _refused(api.post("/api/projects", json={"name": "p" * 201}), 422,
             "name", "at most 200 characters")
    _refused(_new_run(api, flow, run_name="r" * 501), 422,
             "run_name", "at most 500 characters")
    response = api.post(f"/api/flow-runs/{run_id}/state",
                        json={"state": "Failed", "message": "m" * 100_001})
    _refused(response, 422, "message", "at most 100000 characters")
    response = api.post("/api/task-runs/states", json=[
        {"flow_run_id": run_id, "task_slug": "t", "state": "Running",
         "result_location": "/" * 4001}])
    _refused(response, 422, "0.result_location", "at most 4000 characters")
    _refused(api.get("/api/flow-runs", params={"flow_name": "f" * 501}), 422,
             "query.flow_name", "at most 500 characters")
    _refused(api.post("/api/api-keys", json={"name": "k" * 201, "role": "viewer"}), 422,
             "name", "at most 200 characters")


def test_empty_and_blank_names_are_422(api: httpx.Client) -> None:
    _refused(api.post("/api/projects", json={"name": ""}), 422, "name", "must not be empty")
    _refused(api.post("/api/projects", json={"name": " \t "}), 422, "name", "must not be empty")
    _refused(api.post("/api/api-keys", json={"name": "k", "role": "root"}), 422,
             "role", "'viewer', 'runner' or 'admin'")


# --- cursors -----------------------------------------------------------------------------

@pytest.mark.parametrize("cursor", ["garbage!!", "W10", "e30", "WyJ4Il0", "////"])
def test_garbage_cursor_is_422(api: httpx.Client, flow: dict[str, Any], cursor: str) -> None:
    for path in ("/api/flow-runs", f"/api/flow-runs/{flow['flow_run_id']}/logs"):
        _refused(api.get(path, params={"cursor": cursor}), 422, f"Cursor '{cursor}' is not")


def test_overlong_cursor_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    for path in ("/api/flow-runs", f"/api/flow-runs/{flow['flow_run_id']}/logs"):
        _refused(api.get(path, params={"cursor": "x" * 1001}), 422,
                 "query.cursor", "at most 1000 characters")


def test_cursor_of_the_other_list_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    run_id = flow["flow_run_id"]
    for _ in range(2):
        assert _new_run(api, flow).status_code == 201
    api.post("/api/logs", json=[{"flow_run_id": run_id, **LINE}] * 2)
    runs_cursor = api.get("/api/flow-runs", params={"limit": 1}).json()["next_cursor"]
    logs_cursor = api.get(f"/api/flow-runs/{run_id}/logs",
                          params={"limit": 1}).json()["next_cursor"]
    assert runs_cursor and logs_cursor
    _refused(api.get("/api/flow-runs", params={"cursor": logs_cursor}), 422,
             "Cursor", "not valid", "next_cursor")
    _refused(api.get(f"/api/flow-runs/{run_id}/logs", params={"cursor": runs_cursor}), 422,
             "Cursor", "not valid", "next_cursor")


# A cursor is opaque, but anyone can forge one: what it holds must be checked to fit the
# database before it is used in a query.
@pytest.mark.parametrize(("where", "values"), [
    ("runs", ("0001-01-01T00:00:00+01:00", "x")),
    ("runs", ("9999-12-31T23:59:59-01:00", "x")),
    ("runs", ("2024-01-01T00:00:00+00:00", "\ud800")),
    ("runs", ("2024-01-01T00:00:00+00:00", "a\x00b")),
    ("logs", (10**30,)),
    ("logs", (True,)),
])
def test_forged_cursor_is_422(api: httpx.Client, flow: dict[str, Any], where: str,
                              values: tuple[Any, ...]) -> None:
    path = "/api/flow-runs" if where == "runs" else f"/api/flow-runs/{flow['flow_run_id']}/logs"
    _refused(api.get(path, params={"cursor": _cursor(*values)}), 422, "Cursor", "not valid")


# --- schedules in registrations ----------------------------------------------------------

def _schedule(clock: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Schedule", "clocks": [{"start_date": None, "end_date": None,
                                            "parameter_defaults": {}, "labels": None,
                                            **clock}],
            "filters": [], "or_filters": [], "not_filters": [], "adjustments": []}


def test_unreadable_schedule_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    for clock in ({"type": "CronClock", "cron": "every day"},
                  {"type": "IntervalClock", "interval_s": -5},
                  {"type": "SundialClock"}):
        response = api.post("/api/flows/register", json={
            "project": "p", "name": "sched", "hash": "h",
            "serialized": {"parameters": [], "schedule": _schedule(clock)}})
        _refused(response, 422, "The schedule of flow 'sched' cannot be read")


# A schedule that reads well may still be unable to fire, or fire runs no run can hold:
# refused at registration, it never reaches the scheduler or the runs list.
@pytest.mark.parametrize(("clock", "words"), [
    ({"type": "CronClock", "cron": "0 0 31 2 *"},  # 31 February: never fires
     ["cannot compute its next runs"]),
    ({"type": "IntervalClock", "interval_s": 3600.0,
      "start_date": {"datetime": "9999-12-31T23:00:00+00:00", "zone": None}},
     ["cannot compute its next runs"]),
    ({"type": "IntervalClock", "interval_s": 3600.0, "labels": [1, 2]},
     ["labels", "not a list of strings"]),
])
def test_schedule_that_cannot_fire_is_422(api: httpx.Client, flow: dict[str, Any],
                                          clock: dict[str, Any], words: list[str]) -> None:
    response = api.post("/api/flows/register", json={
        "project": "p", "name": "sched", "hash": "h",
        "serialized": {"parameters": [], "schedule": _schedule(clock)}})
    _refused(response, 422, "The schedule of flow 'sched'", *words)
    listed = api.get("/api/flow-runs", params={"limit": 500})
    assert listed.status_code == 200, listed.text


def test_body_over_the_size_limit_is_413_not_read(server_settings) -> None:
    from dataclasses import replace

    from caudal.server.app import create_app
    from fixtures_server import ServedApp

    settings = replace(server_settings, max_body_bytes=10_000)
    with ServedApp(create_app(settings), settings.port) as served_app:
        big = [{"flow_run_id": "x", "timestamp": "2030-01-01T00:00:00Z", "level": 20,
                "message": "m" * 1000} for _ in range(20)]
        response = httpx.post(f"{served_app.url}/api/logs", json=big, timeout=30)
        chunks = (b"[" + b'"x",' * 3000 + b'"x"]' for _ in range(1))  # no Content-Length
        streamed = httpx.post(f"{served_app.url}/api/logs", content=chunks, timeout=30,
                              headers={"content-type": "application/json"})
        small = httpx.get(f"{served_app.url}/health", timeout=30)

    assert response.status_code == 413, response.text
    assert "at most 10000" in response.json()["detail"]
    assert streamed.status_code == 413, streamed.text
    assert "at most 10000" in streamed.json()["detail"]
    assert small.status_code == 200


def test_a_label_too_long_or_empty_is_422(api: httpx.Client, flow: dict[str, Any]) -> None:
    long = _new_run(api, flow, labels=["x" * 201])
    empty = _new_run(api, flow, labels=[""])

    assert long.status_code == 422 and "labels" in long.json()["detail"]
    assert empty.status_code == 422 and "labels" in empty.json()["detail"]


def test_too_many_state_filters_is_422(api: httpx.Client) -> None:
    response = api.get("/api/flow-runs", params=[("state", "Failed")] * 51)

    assert response.status_code == 422
    assert "state" in response.json()["detail"]
