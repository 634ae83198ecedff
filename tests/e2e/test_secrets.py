"""A server secret read by a real run on a real agent: an admin sets it with the CLI, the
flow's PrefectSecret reads it through the run's client, a task uses it, and the value reaches
neither the run's logs, nor its task states, nor any file the run left behind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from fixtures_agent import AgentProcess, caudal, register_flow_file, wait_until

VALUE = "Zx9-server-only-pa55"

FLOW = '''
from pathlib import Path

import caudal
from caudal import Flow, Parameter, task
from caudal.tasks.secrets import PrefectSecret


@task
def connect(folder, password):
    caudal.context.logger.info("Connecting with a password of %d characters", len(password))
    (Path(folder) / "length.txt").write_text(str(len(password)))
    return "connected"


with Flow("uses a secret") as flow:
    connect(Parameter("folder"), PrefectSecret("DB_PASSWORD"))
'''


def _finished(api: httpx.Client, run_id: str) -> dict[str, Any] | None:
    run = api.get(f"/api/flow-runs/{run_id}").json()
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def _files_holding(folder: Path, value: bytes) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and value in path.read_bytes()]


def test_run_on_agent_reads_server_secret_without_logging_it(server_process,
                                                              tmp_path: Path) -> None:
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    register_flow_file(url, tmp_path, FLOW)
    work = tmp_path / "work"
    work.mkdir()
    set_secret = caudal(url, "secrets", "set", "DB_PASSWORD", "--value", VALUE)
    assert set_secret.returncode == 0, set_secret.stderr

    with AgentProcess(url) as agent:
        created = caudal(url, "run", "--name", "uses a secret", "--param", f"folder={work}")
        assert created.returncode == 0, created.stderr
        run_id = created.stdout.split("ID: ")[1].split()[0]
        done = wait_until(lambda: _finished(api, run_id), timeout=90, what="the run")
        agent_output = agent.output

    assert done["state"] == "Success", done["state_message"]
    assert (work / "length.txt").read_text() == str(len(VALUE))
    logs = api.get(f"/api/flow-runs/{run_id}/logs").text
    assert "Connecting with a password of 20 characters" in logs
    assert VALUE not in logs
    task_runs = api.get(f"/api/flow-runs/{run_id}/task-runs").text
    assert VALUE not in task_runs
    assert VALUE not in agent_output
    home = Path(os.environ["CAUDAL_HOME"])
    assert _files_holding(home, VALUE.encode()) == []
    assert _files_holding(tmp_path, VALUE.encode()) == []
