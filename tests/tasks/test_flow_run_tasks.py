"""The flows-of-flows tasks refuse what cannot work before they reach the server, with a
message that says what to pass instead (their runs through an agent: tests/e2e)."""

from __future__ import annotations

import pickle

import cloudpickle
import pytest

import caudal
from caudal import Flow
from caudal.tasks.prefect import StartFlowRun, create_flow_run, get_task_run_result


@pytest.mark.parametrize(("kwargs", "said"), [
    ({"flow_id": "f", "flow_name": "etl"}, "not both"),
    ({}, "pass flow_id or flow_name"),
])
def test_create_flow_run_needs_exactly_one_flow(kwargs, said):
    with pytest.raises(ValueError, match=said):
        create_flow_run.run(**kwargs)


def test_get_task_run_result_refuses_an_empty_slug_and_its_own_run():
    with pytest.raises(ValueError, match="needs the task's slug"):
        get_task_run_result.run("run-1", task_slug="")
    with caudal.context(flow_run_id="run-1"), pytest.raises(ValueError, match="wait for itself"):
        get_task_run_result.run("run-1", task_slug="extract-1")


def test_start_flow_run_needs_a_flow_and_a_project():
    with pytest.raises(ValueError, match="flow_name"):
        StartFlowRun(project_name="p").run()
    with pytest.raises(ValueError, match="project_name"):
        StartFlowRun(flow_name="etl").run()


def test_a_flow_using_them_pickles_for_its_storage():
    # The library's tasks are pickled by value (their module's names are the tasks); the
    # run context they use goes by name, and is the context of the process that runs them.
    with Flow("parent") as flow:
        create_flow_run(flow_name="child")
    copy = cloudpickle.loads(cloudpickle.dumps(flow))  # as flow storage pickles it
    assert [t.name for t in copy.tasks] == ["create_flow_run"]
    assert pickle.loads(pickle.dumps(caudal.context)) is caudal.context
