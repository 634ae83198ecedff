"""Prefect's mutations through caudal's services: each one's effect is what the REST API
shows afterwards, and a refusal (no such run, a finished run) is an error naming it."""

from __future__ import annotations

import datetime as dt

import httpx

from .conftest import World, at, data, gql

RENAME = """mutation($input: set_flow_run_name_input!) {
    set_flow_run_name(input: $input) { success } }"""
CANCEL = """mutation($input: cancel_flow_run_input!) {
    cancel_flow_run(input: $input) { state } }"""


def test_set_flow_run_name_renames_the_run(api: httpx.Client, world: World) -> None:
    answer = data(api, RENAME, {"input": {"flow_run_id": world.runs["a"], "name": "renamed"}})

    assert answer == {"set_flow_run_name": {"success": True}}
    assert api.get(f"/api/flow-runs/{world.runs['a']}").json()["name"] == "renamed"


def test_set_flow_run_name_of_missing_run_is_an_error(api: httpx.Client) -> None:
    missing = "00000000-0000-0000-0000-000000000000"

    answer = gql(api, RENAME, {"input": {"flow_run_id": missing, "name": "x"}})

    assert answer["data"] == {"set_flow_run_name": None}
    (error,) = answer["errors"]
    assert missing in error["message"] and error["path"] == ["set_flow_run_name"]


def test_invalid_input_is_refused_before_anything_is_written(api: httpx.Client,
                                                             world: World) -> None:
    answer = gql(api, """mutation($id: String) {
        a: set_flow_run_name(input: {flow_run_id: $id, name: "fine"}) { success }
        b: set_flow_run_name(input: {name: "x"}) { success } }""", {"id": world.runs["a"]})

    assert answer == {"errors": [{"message": "'set_flow_run_name' needs 'flow_run_id' in its "
                                             "input, as an id (a string of at most 100 "
                                             "characters)."}]}
    assert api.get(f"/api/flow-runs/{world.runs['a']}").json()["name"] == "a"


def test_cancel_flow_run_cancels_or_asks_the_agent(api: httpx.Client, world: World) -> None:
    scheduled = data(api, CANCEL, {"input": {"flow_run_id": world.runs["a"]}})
    running = data(api, CANCEL, {"input": {"flow_run_id": world.runs["b"]}})
    finished = gql(api, CANCEL, {"input": {"flow_run_id": world.runs["c"]}})

    assert scheduled == {"cancel_flow_run": {"state": "Cancelled"}}
    assert running == {"cancel_flow_run": {"state": "Cancelling"}}
    assert api.get(f"/api/flow-runs/{world.runs['b']}").json()["state"] == "Cancelling"
    assert finished["data"] == {"cancel_flow_run": None}
    assert "has already finished" in finished["errors"][0]["message"]


def test_delete_flow_run_deletes_it(api: httpx.Client, world: World) -> None:
    answer = data(api, "mutation($id: String!) { delete_flow_run(input: {flow_run_id: $id}) "
                       "{ success error } }", {"id": world.runs["d"]})

    assert answer == {"delete_flow_run": {"success": True, "error": None}}
    assert api.get(f"/api/flow-runs/{world.runs['d']}").status_code == 404


def test_create_flow_run_by_flow_id(api: httpx.Client, world: World) -> None:
    answer = data(api, """mutation($input: create_flow_run_input!) {
        create_flow_run(input: $input) { id } }""", {"input": {
        "flow_id": world.etl_v2, "parameters": {"source": "gs://b"}, "labels": ["gpu"],
        "flow_run_name": "by-graphql", "idempotency_key": "k1",
        "scheduled_start_time": at(5).isoformat()}})

    run = api.get(f"/api/flow-runs/{answer['create_flow_run']['id']}").json()
    assert (run["flow_id"], run["name"], run["labels"]) == (world.etl_v2, "by-graphql",
                                                            ["gpu"])
    assert run["parameters"] == {"source": "gs://b"}
    assert dt.datetime.fromisoformat(run["scheduled_start_time"]) == at(5)
    again = data(api, """mutation($id: String!) { create_flow_run(input: {flow_id: $id,
                                    idempotency_key: "k1"}) { id } }""", {"id": world.etl_v2})
    assert again == answer


def test_create_flow_run_by_version_group_takes_latest_version(api: httpx.Client,
                                                               world: World) -> None:
    answer = data(api, """mutation($group: String!) { create_flow_run(input: {
        version_group_id: $group, run_name: "latest"}) { id } }""", {"group": world.etl_group})

    run = api.get(f"/api/flow-runs/{answer['create_flow_run']['id']}").json()
    assert (run["flow_id"], run["name"]) == (world.etl_v2, "latest")


def test_create_flow_run_of_unknown_parameter_is_an_error(api: httpx.Client,
                                                          world: World) -> None:
    answer = gql(api, """mutation($id: String!) { create_flow_run(input: {flow_id: $id,
                                    parameters: {nope: 1}}) { id } }""", {"id": world.etl_v2})

    assert "nope" in answer["errors"][0]["message"]
    assert data(api, "{ flow_run_aggregate { aggregate { count } } }") == {
        "flow_run_aggregate": {"aggregate": {"count": 4}}}


def test_set_flow_run_states_with_versions(api: httpx.Client, world: World) -> None:
    run = api.get(f"/api/flow-runs/{world.runs['b']}").json()
    query = """mutation($input: set_flow_run_states_input!) {
        set_flow_run_states(input: $input) { states { id status } } }"""

    done = data(api, query, {"input": {"states": [
        {"flow_run_id": run["id"], "version": run["version"],
         "state": {"type": "Success", "message": "done", "_result": {"type": "NoResult"}}}]}})
    stale = gql(api, query, {"input": {"states": [
        {"flow_run_id": run["id"], "version": run["version"],
         "state": {"type": "Failed"}}]}})

    assert done == {"set_flow_run_states": {"states": [{"id": run["id"],
                                                         "status": "SUCCESS"}]}}
    after = api.get(f"/api/flow-runs/{run['id']}").json()
    assert (after["state"], after["state_message"]) == ("Success", "done")
    assert "is at version" in stale["errors"][0]["message"]


def _on_flow(mutation: str) -> str:
    return f"mutation($id: String!) {{ {mutation}(input: {{flow_id: $id}}) {{ success }} }}"


def test_schedule_switches_and_archive(api: httpx.Client, world: World) -> None:
    off = data(api, _on_flow("set_schedule_inactive"), {"id": world.etl_v2})
    assert off == {"set_schedule_inactive": {"success": True}}
    assert api.get(f"/api/flows/{world.etl_v2}").json()["schedule_active"] is False
    on = data(api, _on_flow("set_schedule_active"), {"id": world.etl_v2})
    assert on == {"set_schedule_active": {"success": True}}
    assert api.get(f"/api/flows/{world.etl_v2}").json()["schedule_active"] is True

    archived = data(api, _on_flow("archive_flow"), {"id": world.daily})

    assert archived == {"archive_flow": {"success": True}}
    assert api.get(f"/api/flows/{world.daily}").json()["archived"] is True
