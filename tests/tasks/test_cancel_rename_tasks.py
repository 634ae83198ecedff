"""CancelFlowRun and RenameFlowRun, in a flow run against a real server: the run they name is
cancelled or renamed there, and they refuse what cannot work with Prefect's messages."""

from __future__ import annotations

import os

import pytest

import caudal
from caudal import Flow
from caudal.tasks.prefect import CancelFlowRun, RenameFlowRun
from fixtures_client import client, flow_id, project

__all__ = ["client", "flow_id", "project"]


def test_a_flow_cancels_and_renames_runs_on_the_server(client, flow_id, server_url) -> None:
    to_cancel = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    to_rename = client.create_flow_run(flow_id=flow_id, parameters={"x": 2})
    os.environ["CAUDAL_API"] = server_url  # where the tasks' client finds the server

    with Flow("housekeeping") as flow:
        cancelled = CancelFlowRun()(flow_run_id=to_cancel)
        renamed = RenameFlowRun(flow_run_name="backfill 2021-03-04")(flow_run_id=to_rename)
    state = flow.run()

    assert state.is_successful(), state.result
    assert state.result[cancelled].result is True and state.result[renamed].result is True
    assert client.get_flow_run(to_cancel).state == "Cancelled"
    assert client.get_flow_run(to_rename).name == "backfill 2021-03-04"


def test_rename_defaults_to_the_run_it_is_in(client, flow_id, server_url) -> None:
    run_id = client.create_flow_run(flow_id=flow_id, parameters={"x": 1})
    os.environ["CAUDAL_API"] = server_url

    with caudal.context(flow_run_id=run_id):
        assert RenameFlowRun(flow_run_name="mine").run() is True
    assert client.get_flow_run(run_id).name == "mine"


def test_they_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="without flow run ID"):
        CancelFlowRun().run()
    with pytest.raises(ValueError, match="must be given"):
        RenameFlowRun(flow_run_name="x").run()
    with pytest.raises(ValueError, match="Must provide a flow name"):
        RenameFlowRun().run(flow_run_id="abc")
