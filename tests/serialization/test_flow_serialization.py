"""A flow's description and hash: JSON-safe, stable across processes and places, and changed
by any change to the code or the graph."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from caudal import Flow, Parameter, task, unmapped
from caudal.run_configs import LocalRun

FLOW_FILE = textwrap.dedent('''
    import datetime
    from caudal import Flow, Parameter, task, unmapped

    @task(max_retries=2, retry_delay=datetime.timedelta(seconds=30), tags=["db"])
    def extract(table):
        return [table] * 3

    @task
    def load(row, target):
        return f"{row}->{target}"

    with Flow("iptu_diario") as flow:
        rows = extract(Parameter("table", default="iptu"))
        load.map(rows, unmapped(Parameter("target", default="warehouse")))
''')

HASH_SCRIPT = "import runpy, sys; print(runpy.run_path(sys.argv[1])['flow'].serialized_hash())"


def _hash_in_subprocess(path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", HASH_SCRIPT, str(path)], capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip()


def _write(folder: Path, text: str = FLOW_FILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "flows.py"
    path.write_text(text)
    return path


@task
def fetch(n):
    return list(range(n))


@task
def scale(x, factor):
    return x * factor


def _flow() -> Flow:
    with Flow("users", run_config=LocalRun(labels=["dev"])) as flow:
        scale.map(fetch(Parameter("n", default=3)), unmapped(10))
    return flow


def test_description_is_json_with_tasks_edges_parameters_and_run_config():
    data = json.loads(json.dumps(_flow().serialize()))

    assert [t["slug"] for t in data["tasks"]] == ["n", "fetch-1", "scale-1"]
    scale_task = data["tasks"][2]
    assert scale_task["mapped"] is True
    assert scale_task["source"]["file"].endswith("test_flow_serialization.py")
    assert {"upstream": "fetch-1", "downstream": "scale-1", "key": "x", "mapped": True,
            "flattened": False} in data["edges"]
    assert data["constants"] == {"scale-1": {"factor": 10}}
    assert data["parameters"] == [{"name": "n", "default": 3, "required": False}]
    assert data["reference_tasks"] == ["scale-1"]
    assert data["run_config"]["type"] == "LocalRun"
    assert data["run_config"]["labels"] == ["dev"]


def test_hash_is_the_same_in_two_processes_and_two_folders(tmp_path):
    first = _write(tmp_path / "machine-a")
    second = tmp_path / "machine-b" / "checkout"
    second.mkdir(parents=True)
    shutil.copy(first, second / "flows.py")

    assert _hash_in_subprocess(first) == _hash_in_subprocess(first)
    assert _hash_in_subprocess(first) == _hash_in_subprocess(second / "flows.py")


def test_hash_changes_when_the_code_of_a_task_changes(tmp_path):
    before = _hash_in_subprocess(_write(tmp_path / "a"))
    changed = FLOW_FILE.replace('return f"{row}->{target}"', 'return f"{row}=>{target}"')
    after = _hash_in_subprocess(_write(tmp_path / "b", changed))
    assert before != after


def test_hash_changes_with_a_parameter_default_or_the_graph():
    base = _flow()
    other_default = _flow()
    next(iter(other_default.parameters())).default = 4
    more_tasks = _flow()
    with more_tasks:
        fetch(5)

    hashes = {base.serialized_hash(), other_default.serialized_hash(),
              more_tasks.serialized_hash()}
    assert len(hashes) == 3
    assert _flow().serialized_hash() == base.serialized_hash()


def test_hash_ignores_where_local_storage_keeps_flows_on_each_machine(tmp_path):
    from caudal.storage import Local

    on_a, on_b = _flow(), _flow()
    on_a.storage = Local(directory=str(tmp_path / "machine-a"))
    on_b.storage = Local(directory=str(tmp_path / "machine-b"))

    assert on_a.serialized_hash() == on_b.serialized_hash()


def test_hash_changes_with_where_a_run_gets_the_code():
    # The same code from another branch, URL or module is another version: registering it
    # must not be skipped as unchanged (runs would keep the old settings).
    from caudal.storage import Git, Module, Webhook

    def flow_with(storage):
        flow = _flow()
        flow.storage = storage
        return flow.serialized_hash()

    hashes = {
        flow_with(Git(flow_path="flows/etl.py", repo="data/pipelines", branch_name="main")),
        flow_with(Git(flow_path="flows/etl.py", repo="data/pipelines", branch_name="dev")),
        flow_with(Module("pipelines.etl")),
        flow_with(Module("pipelines.etl_v2")),
        flow_with(Webhook(build_request_kwargs={"url": "http://files/a"},
                          build_request_http_method="PUT",
                          get_flow_request_kwargs={"url": "http://files/a"},
                          get_flow_request_http_method="GET")),
        flow_with(Webhook(build_request_kwargs={"url": "http://files/b"},
                          build_request_http_method="PUT",
                          get_flow_request_kwargs={"url": "http://files/b"},
                          get_flow_request_http_method="GET")),
    }
    assert len(hashes) == 6
