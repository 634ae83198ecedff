"""FlowRunView, FlowView, TaskRunView and watch_flow_run against the real server."""

from __future__ import annotations

import datetime
import pickle
import threading
import time

import pytest

from caudal import Flow, task
from caudal.backend import FlowRunView, FlowView, TaskRunView, watch_flow_run
from caudal.engine.state import Failed, Mapped, Running, Scheduled, Success
from caudal.exceptions import ObjectNotFound
from caudal.storage import Local

T0 = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.UTC)


def log_line(run_id: str, i: int, level: int = 20, at: datetime.datetime = T0) -> dict:
    return {"flow_run_id": run_id, "timestamp": at + datetime.timedelta(seconds=i),
            "level": level, "name": "caudal.TaskRunner", "message": f"line {i}"}


def test_flow_run_view_holds_the_run_and_its_state_history(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 2}, run_name="view-me")
    client.set_flow_run_state(run_id, Running("started"))

    view = FlowRunView.from_flow_run_id(run_id, client=client)

    assert (view.flow_run_id, view.name, view.flow_id, view.flow_name) == (
        run_id, "view-me", flow_id, "adder")
    assert view.parameters == {"x": 2} and view.labels == ["etl"]
    assert view.project_name == "etl" and view.flow_version == 1
    assert isinstance(view.state, Running) and view.state.message == "started"
    assert [type(s) for s in view.states] == [Scheduled, Running]
    assert view.updated_at == view.states[-1].timestamp


def test_view_is_a_snapshot_and_get_latest_reads_again(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    view = FlowRunView.from_flow_run_id(run_id, client=client)

    client.set_flow_run_state(run_id, Failed("boom"))

    assert isinstance(view.state, Scheduled)
    latest = view.get_latest()
    assert isinstance(latest.state, Failed) and latest.state.message == "boom"


def test_unknown_flow_run_is_object_not_found(client):
    with pytest.raises(ObjectNotFound, match="Flow run 'nope' does not exist"):
        FlowRunView.from_flow_run_id("nope", client=client)


def test_get_logs_reads_every_page_and_filters_by_time_and_level(client, flow_id,
                                                                 monkeypatch):
    from caudal.backend import flow_run

    monkeypatch.setattr(flow_run, "LOG_PAGE_SIZE", 4)
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    client.write_run_logs([log_line(run_id, i, level=40 if i == 7 else 20) for i in range(10)])
    view = FlowRunView.from_flow_run_id(run_id, client=client)

    assert [log.message for log in view.get_logs()] == [f"line {i}" for i in range(10)]
    later = view.get_logs(start_time=T0 + datetime.timedelta(seconds=8))
    assert [log.message for log in later] == ["line 8", "line 9"]
    [error] = view.get_logs(level=40)
    assert (error.message, error.level, error.name) == ("line 7", 40, "caudal.TaskRunner")


def test_task_runs_are_found_by_slug_map_index_and_id(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    client.set_task_run_states(
        [{"flow_run_id": run_id, "task_slug": "add-1", "state": "Mapped"}]
        + [{"flow_run_id": run_id, "task_slug": "add-1", "map_index": i, "state": "Success"}
           for i in range(2)])
    view = FlowRunView.from_flow_run_id(run_id, load_static_tasks=True, client=client)

    parent = view.get_task_run("add-1")
    child = view.get_task_run(task_slug="add-1", map_index=1)

    assert isinstance(parent, TaskRunView) and isinstance(parent.state, Mapped)
    assert (child.map_index, type(child.state)) == (1, Success)
    assert view.get_task_run(task_run_id=child.task_run_id).map_index == 1
    assert sorted(view.task_run_ids) == sorted(t.task_run_id for t in view.get_all_task_runs())
    with pytest.raises(ObjectNotFound, match="no task run with task slug 'add-1' and map "
                                             "index 5"):
        view.get_task_run("add-1", map_index=5)
    with pytest.raises(ValueError, match="task_slug or a task_run_id"):
        view.get_task_run()


def test_flow_metadata_of_a_run_is_its_flow_version(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})

    flow = FlowRunView.from_flow_run_id(run_id, client=client).get_flow_metadata()

    assert isinstance(flow, FlowView)
    assert (flow.flow_id, flow.name, flow.project_name, flow.version) == (flow_id, "adder",
                                                                          "etl", 1)
    assert flow.labels == ["etl"]
    assert [p["name"] for p in flow.parameters] == ["x", "y"]


def _register(client, project: str, name: str, folder) -> str:
    flow = Flow(name, storage=Local(directory=str(folder), add_default_labels=False))
    flow.add_task(task(lambda: 1, name="one"))
    return client.register(flow, project_name=project, no_url=True)


def test_flow_view_by_name_by_id_and_by_group(client, project, tmp_path):
    flow_id = _register(client, project, "daily", tmp_path)

    by_name = FlowView.from_flow_name("daily", client=client)
    by_project = FlowView.from_flow_name("daily", project_name=project, client=client)
    by_group = FlowView.from_flow_group_id(by_name.flow_group_id, client=client)

    assert by_name.flow_id == by_project.flow_id == by_group.flow_id == flow_id
    assert FlowView.from_flow_id(flow_id, client=client).name == "daily"


def test_flow_view_by_name_in_several_projects_needs_a_project_or_last_updated(
        client, project, tmp_path):
    _register(client, project, "daily", tmp_path)
    client.create_project("other")
    newest = _register(client, "other", "daily", tmp_path)

    with pytest.raises(ValueError, match="several projects \\('etl', 'other'\\)|several "
                                         "projects \\('other', 'etl'\\)"):
        FlowView.from_flow_name("daily", client=client)
    assert FlowView.from_flow_name("daily", last_updated=True, client=client).flow_id == newest


def test_flow_view_of_an_unknown_name_says_where_to_look(client, project):
    with pytest.raises(ObjectNotFound, match="No flow named 'ghost' in project 'etl' is "
                                             "registered; see 'caudal flows ls'"):
        FlowView.from_flow_name("ghost", project_name=project, client=client)


def _drive(client, run_id: str, pause: float = 0.15) -> threading.Thread:
    """Play a run in a thread: Running, two log batches, then Success."""

    def play() -> None:
        time.sleep(pause)
        client.set_flow_run_state(run_id, Running("started"))
        now = datetime.datetime.now(datetime.UTC)
        client.write_run_logs([log_line(run_id, i, at=now) for i in range(3)])
        time.sleep(pause)
        client.write_run_logs([log_line(run_id, i, at=now) for i in range(3, 5)])
        client.set_flow_run_state(run_id, Success("all done"))

    thread = threading.Thread(target=play)
    thread.start()
    return thread


def test_watch_flow_run_yields_states_and_logs_until_the_run_finishes(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    thread = _drive(client, run_id)

    lines = list(watch_flow_run(run_id, poll_interval_s=0.05, client=client))
    thread.join()

    messages = [line.message for line in lines]
    assert [m for m in messages if m.startswith("Entered")] == [
        "Entered state <Scheduled>", "Entered state <Running>: started",
        "Entered state <Success>: all done"]
    assert [m for m in messages if m.startswith("line")] == [f"line {i}" for i in range(5)]
    assert messages.index("Entered state <Running>: started") < messages.index("line 0")


def test_watch_flow_run_can_stream_logs_only(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    thread = _drive(client, run_id)

    lines = list(watch_flow_run(run_id, stream_states=False, poll_interval_s=0.05,
                                client=client))
    thread.join()

    assert [line.message for line in lines] == [f"line {i}" for i in range(5)]


def test_watch_flow_run_of_a_finished_run_yields_its_history_and_stops(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    client.cancel_flow_run(run_id)

    lines = list(watch_flow_run(run_id, stream_logs=False, client=client))

    assert [line.message for line in lines] == [
        "Entered state <Scheduled>", "Entered state <Cancelled>: Cancelled before it started."]


def test_watch_flow_run_gives_up_after_max_duration(client, flow_id):
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})

    with pytest.raises(RuntimeError, match="did not finish within 0:00:00.200000; it is still "
                                           "<Scheduled>"):
        list(watch_flow_run(run_id, max_duration=datetime.timedelta(seconds=0.2),
                            poll_interval_s=0.05, client=client))


def test_watch_flow_run_says_once_why_a_late_run_has_not_started(client, flow_id):
    late = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=30)
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1},
                                    scheduled_start_time=late)
    lines = []

    with pytest.raises(RuntimeError, match="did not finish"):
        for line in watch_flow_run(run_id, stream_logs=False, poll_interval_s=0.1,
                                   max_duration=datetime.timedelta(seconds=1), client=client):
            lines.append(line)

    said = [line.message for line in lines if line.message.startswith("Not started")]
    # The fixture's flow carries the label 'etl'.
    assert said == ["Not started: No agent with labels [etl] has been seen (no agent has been "
                    "seen at all); start one with 'caudal agent start --label etl'."]


def test_views_pickle_without_their_client(client, flow_id):
    # wait_for_flow_run returns a FlowRunView, which a backend run checkpoints.
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    client.set_task_run_states([{"flow_run_id": run_id, "task_slug": "add-1",
                                 "state": "Success"}])
    view = FlowRunView.from_flow_run_id(run_id, load_static_tasks=True, client=client)

    copy = pickle.loads(pickle.dumps(view))

    assert (copy.flow_run_id, copy.name, copy.state) == (view.flow_run_id, view.name, view.state)
    # It reads with a client of its own where it is unpickled (the default one here).
    assert copy._client is None
