"""The client's methods against the real server: projects, runs, states, task runs, logs."""

from __future__ import annotations

import datetime

import pytest

from caudal.client import Client, FlowRunInfoResult
from caudal.engine.state import Failed, Running, Scheduled, Success
from caudal.exceptions import ClientError, NotAvailableError, ObjectNotFound


def test_health_names_the_database(client):
    assert client.health()["status"] == "ok"


def test_create_project_returns_its_id_and_refuses_a_second_one(client):
    project_id = client.create_project("tributos", "taxes")

    assert [(p.id, p.name, p.description) for p in client.list_projects()] == [
        (project_id, "tributos", "taxes")]
    with pytest.raises(ClientError) as excinfo:
        client.create_project("tributos")
    assert excinfo.value.status_code == 409 and "tributos" in str(excinfo.value)


def test_create_flow_run_with_parameters_and_read_its_info(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 2}, run_name="by-hand",
                                    context={"origin": "test"})

    info = client.get_flow_run_info(run_id)
    assert isinstance(info, FlowRunInfoResult)
    assert (info.id, info.name, info.flow_id, info.flow_name) == (run_id, "by-hand", flow_id,
                                                                  "adder")
    assert info.parameters == {"x": 2} and info.context["origin"] == "test"
    assert info.labels == ["etl"] and info.task_runs == []
    assert isinstance(info.state, Scheduled) and info.state.start_time is not None


def test_create_flow_run_by_version_group_runs_the_latest_version(client, flow_id):
    group = client.get_flow(flow_id).flow_group_id

    run_id = client.create_flow_run(version_group_id=group, parameters={"x": 1})

    assert client.get_flow_run(run_id).flow_id == flow_id


def test_create_flow_run_needs_exactly_one_of_flow_id_and_version_group_id(client):
    with pytest.raises(ValueError, match="exactly one of flow_id"):
        client.create_flow_run()


def test_create_flow_run_with_a_run_config_says_it_is_not_available(client, flow_id):
    with pytest.raises(NotAvailableError, match="run_config"):
        client.create_flow_run(flow_id=flow_id, parameters={"x": 1}, run_config=object())


def test_same_idempotency_key_returns_the_same_run(client, flow_id):
    first = client.create_flow_run(flow_id=flow_id, parameters={"x": 1}, idempotency_key="k")
    second = client.create_flow_run(flow_id=flow_id, parameters={"x": 1}, idempotency_key="k")

    assert first == second


def test_missing_required_parameter_is_refused_with_the_servers_sentence(client, flow_id):
    with pytest.raises(ClientError, match="Parameter 'x' is required by flow 'adder'"):
        client.create_flow_run(flow_id=flow_id)


def test_scheduled_start_time_and_labels_are_kept(client, flow_id):
    due = datetime.datetime(2031, 5, 1, 12, 0)  # naive: UTC

    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1}, labels=["gpu"],
                                    scheduled_start_time=due)

    run = client.get_flow_run(run_id)
    assert run.scheduled_start_time == due.replace(tzinfo=datetime.UTC)
    assert run.labels == ["gpu"]


def test_states_are_set_and_read_as_engine_states(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})

    assert isinstance(client.set_flow_run_state(run_id, Running("go")), Running)
    client.set_flow_run_state(run_id, "Failed")
    state = client.get_flow_run_state(run_id)

    assert isinstance(state, Failed)
    assert [r.state for r in client.get_flow_run_states(run_id)] == ["Scheduled", "Running",
                                                                    "Failed"]


def test_state_with_a_stale_version_is_refused(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    version = client.get_flow_run_info(run_id).version
    client.set_flow_run_state(run_id, Running())

    with pytest.raises(ClientError) as excinfo:
        client.set_flow_run_state(run_id, Success(), version=version)
    assert excinfo.value.status_code == 409


def test_rename_cancel_and_delete(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})

    assert client.set_flow_run_name(run_id, "renamed") is True
    assert client.cancel_flow_run(run_id) is True
    assert client.get_flow_run(run_id).name == "renamed"
    assert client.get_flow_run(run_id).state == "Cancelled"
    assert client.delete_flow_run(run_id) is True
    with pytest.raises(ObjectNotFound, match=run_id):
        client.get_flow_run(run_id)


def test_heartbeat_of_a_running_run_is_accepted(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    client.set_flow_run_state(run_id, Running())

    client.update_flow_run_heartbeat(run_id)

    assert client.get_flow_run(run_id).heartbeat is not None


def test_task_run_states_in_a_batch_show_in_the_run_info(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    batch = [{"flow_run_id": run_id, "task_slug": "add-1", "map_index": i, "state": "Success",
              "message": f"child {i}"} for i in range(3)]
    batch.append({"flow_run_id": run_id, "task_slug": "add-1", "state": "Mapped"})

    assert client.set_task_run_states(batch) == 4
    assert client.set_task_run_states([]) == 0

    task_runs = client.get_flow_run_info(run_id).task_runs
    assert sorted((t.task_slug, t.map_index, type(t.state).__name__) for t in task_runs) == [
        ("add-1", -1, "Mapped"), ("add-1", 0, "Success"), ("add-1", 1, "Success"),
        ("add-1", 2, "Success")]


def test_logs_are_written_in_batches_and_read_back_in_pages(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    start = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.UTC)
    lines = [{"flow_run_id": run_id, "timestamp": start + datetime.timedelta(seconds=i),
              "level": 40 if i % 5 == 0 else 20, "name": "caudal.TaskRunner",
              "message": f"line {i}"} for i in range(12)]

    assert client.write_run_logs(lines) == 12
    messages, cursor = [], None
    while True:
        page = client.get_logs(run_id, cursor=cursor, limit=5)
        messages.extend(r.message for r in page.items)
        if len(page.items) < 5:
            break
        cursor = page.next_cursor

    assert messages == [f"line {i}" for i in range(12)]
    errors = client.get_logs(run_id, level=40).items
    assert [r.message for r in errors] == ["line 0", "line 5", "line 10"]
    assert [r.message for r in client.get_logs(run_id, text="LINE 1").items] == [
        "line 1", "line 10", "line 11"]


def test_flow_runs_are_listed_newest_first_in_pages(client, flow_id):
    base = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    ids = [client.create_flow_run(flow_id=flow_id, parameters={"x": i},
                                  scheduled_start_time=base + datetime.timedelta(hours=i))
           for i in range(5)]

    first = client.list_flow_runs(flow_id=flow_id, limit=3)
    second = client.list_flow_runs(flow_id=flow_id, limit=3, cursor=first.next_cursor)

    assert [r.id for r in first.items + second.items] == ids[::-1]
    assert client.list_flow_runs(flow_name="adder", states=["Running"]).items == []


def test_flow_list_filters_by_project_and_name(client, flow_id):
    assert [v.id for v in client.list_flows(project="etl", name="adder")] == [flow_id]
    assert client.list_flows(project="etl", name="other") == []


def test_latest_flow_version_of_an_unknown_group_is_object_not_found(client):
    with pytest.raises(ObjectNotFound, match="flow group id 'nope'"):
        client.get_latest_flow_version("nope")


def test_archive_and_schedule_switch(client, flow_id):
    state = client.set_schedule_active(flow_id, False)
    assert state.active is False

    assert client.archive_flow(flow_id).archived is True
    assert client.list_flows(project="etl") == []


def test_agents_register_heartbeat_and_claim_due_runs(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})

    agent_id = client.register_agent("LocalAgent", name="etl-1", labels=["etl"])
    client.update_agent_heartbeat(agent_id)
    claimed = client.claim_flow_runs(agent_id, limit=5, wait_s=1.0)

    assert [a.name for a in client.list_agents()] == ["etl-1"]
    assert [r.id for r in claimed] == [run_id]


def test_client_from_environment_uses_caudal_api(server_url, monkeypatch):
    monkeypatch.setenv("CAUDAL_API", server_url)

    with Client() as client:
        assert client.api_server == server_url
        assert client.list_projects() == []
