"""Flows of flows with a real server, agent and run processes: a parent starts runs of a
registered child flow (mapped over parameter sets, with labels), waits for them while their
logs stream into its own, reads a child's task result, and ends as its children tell it to;
parent and children are linked in the API. The same with the older ``StartFlowRun``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from fixtures_agent import AgentProcess, caudal, register_flow_file, wait_until

FLOWS = '''
import datetime as dt
from pathlib import Path

import caudal
from caudal import Flow, Parameter, task, unmapped
from caudal.tasks.prefect import (StartFlowRun, create_flow_run, get_task_run_result,
                                  wait_for_flow_run)


@task
def square(n):
    caudal.context.logger.info("squaring %d", n)
    if n < 0:
        raise ValueError(f"cannot square {n} here")
    return n * n


with Flow("child") as child:
    square(Parameter("n", default=1))


@task
def second(ids):
    return ids[1]


@task
def keep(value, out):
    if out:
        Path(out).write_text(repr(value))


with Flow("parent") as parent:
    sets = Parameter("sets", default=[{"n": 1}, {"n": 2}, {"n": 3}])
    strict = Parameter("strict", default=True)
    out = Parameter("out", default="")
    runs = create_flow_run.map(flow_name=unmapped("child"), parameters=sets,
                               labels=unmapped(["kids"]))
    done = wait_for_flow_run.map(runs, stream_logs=unmapped(True),
                                 raise_final_state=unmapped(strict))
    value = get_task_run_result(second(runs), task_slug="square-1", poll_time=1,
                                upstream_tasks=[done])
    keep(value, out)


start_child = StartFlowRun(flow_name="child", project_name="tests", wait=True,
                           poll_interval=dt.timedelta(seconds=0.5))

with Flow("older parent") as older:
    start_child(parameters=Parameter("child_parameters", default={"n": 5}))
'''


def _run(url: str, flow: str, **parameters: Any) -> str:
    import json

    args = [f"{k}={json.dumps(v)}" for k, v in parameters.items()]
    created = caudal(url, "run", "--name", flow, *[a for p in args for a in ("--param", p)])
    assert created.returncode == 0, created.stdout + created.stderr
    return created.stdout.split("ID: ")[1].split()[0]


def _finished(api: httpx.Client, run_id: str) -> dict[str, Any] | None:
    run = api.get(f"/api/flow-runs/{run_id}").json()
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def _children(api: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    return api.get("/api/flow-runs", params={"parent_flow_run_id": run_id}).json()["items"]


def _why(api: httpx.Client, run_id: str) -> list[tuple[Any, ...]]:
    """The run's task runs that did not succeed, with their messages: what a failure shows."""
    return [(t["task_slug"], t["map_index"], t["state"], t["state_message"])
            for t in api.get(f"/api/flow-runs/{run_id}/task-runs").json()
            if t["state"] not in ("Success", "Mapped")]


def _messages(api: httpx.Client, run_id: str) -> list[str]:
    page = api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 1000}).json()
    return [line["message"] for line in page["items"]]


def test_a_parent_maps_child_runs_waits_for_them_and_reads_a_result(
        server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, FLOWS)
    out = tmp_path / "value.txt"

    with AgentProcess(url, "--label", "kids"):
        ok = _run(url, "parent", out=str(out))
        failing = _run(url, "parent", sets=[{"n": 1}, {"n": -1}], strict=True)
        lenient = _run(url, "parent", sets=[{"n": -2}, {"n": 2}], strict=False)
        older = _run(url, "older parent")
        older_failing = _run(url, "older parent", child_parameters={"n": -5})
        finished = {run_id: wait_until(lambda r=run_id: _finished(api, r), timeout=120,
                                       what="a parent run to finish")
                    for run_id in (ok, failing, lenient, older, older_failing)}

    assert finished[ok]["state"] == "Success", _why(api, ok)
    children = _children(api, ok)
    assert sorted(c["parameters"]["n"] for c in children) == [1, 2, 3]
    assert all(c["state"] == "Success" and c["labels"] == ["kids"] for c in children)
    assert all(c["parent_flow_run_id"] == ok for c in children)
    assert all(c["name"].startswith(finished[ok]["name"] + "-child") for c in children)
    assert out.read_text() == "4"  # square-1 of the second child, read from its result
    from caudal.backend import FlowRunView
    from caudal.client import Client

    with Client(url) as client:  # the same value, read here through the child's views
        second = next(c for c in children if c["parameters"] == {"n": 2})
        view = FlowRunView.from_flow_run_id(second["id"], client=client)
        assert view.get_task_run("square-1").get_result() == 4
    messages = _messages(api, ok)
    for child in children:  # each child's own line, streamed into the parent's log
        n = child["parameters"]["n"]
        assert any(m.startswith(f"Flow run '{child['name']}': ") and f"squaring {n}" in m
                   for m in messages), messages

    assert finished[failing]["state"] == "Failed"
    assert {c["parameters"]["n"]: c["state"] for c in _children(api, failing)} == {
        1: "Success", -1: "Failed"}
    assert finished[lenient]["state"] == "Success", _why(api, lenient)
    assert {c["parameters"]["n"]: c["state"] for c in _children(api, lenient)} == {
        -2: "Failed", 2: "Success"}

    assert finished[older]["state"] == "Success", _why(api, older)
    (started,) = _children(api, older)
    assert (started["state"], started["parameters"]) == ("Success", {"n": 5})
    assert finished[older_failing]["state"] == "Failed"
    (started,) = _children(api, older_failing)
    assert (started["state"], started["parameters"]) == ("Failed", {"n": -5})
