"""Restart from failed with a real server, agent and run processes: a run fails at its third
of five tasks because a file is missing; once the file is there, `caudal runs restart` runs
only tasks three to five again (their side effects are counted), the first two values are
read back from where they were stored, and the run, keeping its id, ends Success."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures_agent import AgentProcess, caudal, register_flow_file, wait_until

FLOW = '''
from pathlib import Path

from caudal import Flow, Parameter, task


def note(folder, name):
    with open(Path(folder) / "ran.txt", "a") as handle:
        handle.write(name + "\\n")


@task
def first(folder):
    note(folder, "first")
    return 10


@task
def second(folder, value):
    note(folder, "second")
    return value + 5


@task
def third(folder, value):
    note(folder, "third")
    return value * int((Path(folder) / "factor.txt").read_text())


@task
def fourth(folder, value):
    note(folder, "fourth")
    return value + 1


@task
def fifth(folder, value):
    note(folder, "fifth")
    (Path(folder) / "out.txt").write_text(str(value))


with Flow("five steps") as flow:
    folder = Parameter("folder")
    fifth(folder, fourth(folder, third(folder, second(folder, first(folder)))))
'''


def _finished(api: httpx.Client, run_id: str) -> dict[str, Any] | None:
    run = api.get(f"/api/flow-runs/{run_id}").json()
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def test_a_failed_run_restarts_from_the_task_that_failed(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, FLOW)
    work = tmp_path / "work"
    work.mkdir()

    with AgentProcess(url):
        created = caudal(url, "run", "--name", "five steps", "--param", f"folder={work}")
        assert created.returncode == 0, created.stderr
        run_id = created.stdout.split("ID: ")[1].split()[0]
        failed = wait_until(lambda: _finished(api, run_id), timeout=90, what="the first try")
        assert failed["state"] == "Failed"
        assert (work / "ran.txt").read_text().split() == ["first", "second", "third"]

        (work / "factor.txt").write_text("3")
        restarted = caudal(url, "runs", "restart", run_id)
        assert restarted.returncode == 0, restarted.stderr
        assert "Scheduled again" in restarted.stdout
        done = wait_until(lambda: _finished(api, run_id), timeout=90, what="the restart")

    assert done["state"] == "Success", done["state_message"]
    assert (work / "out.txt").read_text() == str((10 + 5) * 3 + 1)
    assert Counter((work / "ran.txt").read_text().split()) == {
        "first": 1, "second": 1, "third": 2, "fourth": 1, "fifth": 1}
    history = [s["state"] for s in api.get(f"/api/flow-runs/{run_id}/states").json()]
    assert history[:4] == ["Scheduled", "Submitted", "Running", "Failed"]
    assert history[4:] == ["Scheduled", "Submitted", "Running", "Success"]
    task_runs = {t["task_slug"]: t for t in api.get(f"/api/flow-runs/{run_id}/task-runs").json()}
    assert {slug: t["state"] for slug, t in task_runs.items() if slug != "folder"} == {
        "first-1": "Success", "second-1": "Success", "third-1": "Success",
        "fourth-1": "Success", "fifth-1": "Success"}
    messages = [line["message"] for line in
                api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 500}).json()["items"]]
    assert any("Restarting: 2 task run(s)" in m and "first-1, second-1" in m for m in messages)


def test_only_a_failed_run_restarts(server_process, tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, FLOW)
    created = caudal(url, "run", "--name", "five steps", "--param", f"folder={tmp_path}")
    run_id = created.stdout.split("ID: ")[1].split()[0]

    refused = caudal(url, "runs", "restart", run_id)

    assert refused.returncode != 0
    assert "is Scheduled: only a failed run restarts" in refused.stderr
    assert api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Scheduled"


pytestmark = pytest.mark.timeout(300)
