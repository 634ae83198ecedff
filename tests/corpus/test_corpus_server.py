"""The corpus on a real server, as a city data office runs it after `caudal migrate`.

A migrated copy is registered with `caudal register` to a real `caudal server start` process
(SQLite, then PostgreSQL); its many-clock schedules must make runs carrying each clock's
parameter defaults and labels; every schedule is then switched off through GraphQL, the way
an operator pauses a deployment. Two real agents (one for SMTR's label, one for the other
agencies' labels) run, in the agencies' working folder:

- the runs `flow.run()` made in the local comparison, with the same parameters, one after
  the other; every final state, every task's final state (and each mapped child's) and every
  file written must equal what the same flows give under Prefect 0.15.9's `flow.run()`;
- the clean-up flow, whose task asks `/graphql` for the project's old runs, cancels the ones
  never taken and deletes the finished ones;
- the rain alert twice at once: its skip-if-running handler asks `/graphql` and the second
  run ends Skipped while the first, held by a slow stand-in API, is running;
- the SMTR orchestrator: it starts the capture and pagination flows as child runs with its
  own parameters and labels, waits for them and streams their logs into its own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from corpus_support import (
    PIPELINES,
    StandInAPI,
    make_database,
    migrated_copy,
    prefect_python,
    run_corpus,
    serve_stand_in_api,
)
from run_corpus import fill, read_files

from caudal.client import Client
from fixtures_agent import AgentProcess, wait_until

PROJECT = "main"
FINISHED = {"Success", "Failed", "Cancelled", "Skipped", "TimedOut"}
RUN_TIMEOUT_S = 120
AGENCY_LABELS = ["rj-sme", "rj-cor", "rj-escritorio", "rj-dataoffice"]


def load_corpus_index() -> Any:
    """`pipelines/corpus_index.py`: plain data, read without importing the pipelines."""
    spec = importlib.util.spec_from_file_location("corpus_index", PIPELINES / "corpus_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def caudal_cli(url: str, *args: str, cwd: Path, env: dict[str, str]
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caudal", *args], capture_output=True,
                          text=True, timeout=180, cwd=cwd,
                          env={**os.environ, **env, "CAUDAL_API": url})


def without_results(described: Any) -> Any:
    """A local run's description without task results: the server keeps states, not values
    (the values the flows write to files are compared as files)."""
    if isinstance(described, dict):
        return {key: without_results(value) for key, value in described.items()
                if key != "result"}
    if isinstance(described, list):
        return [without_results(item) for item in described]
    return described


def finished_run(api: httpx.Client, run_id: str) -> dict[str, Any]:
    return wait_until(lambda: (lambda run: run if run["state"] in FINISHED else None)(
        api.get(f"/api/flow-runs/{run_id}").json()), timeout=RUN_TIMEOUT_S, interval=0.2,
        what=f"flow run {run_id} to finish")


def describe_server_run(api: httpx.Client, run: dict[str, Any]) -> dict[str, Any]:
    """The run as the server recorded it, in the shape the local comparison uses."""
    tasks: dict[str, Any] = {}
    task_runs = api.get(f"/api/flow-runs/{run['id']}/task-runs").json()
    for task_run in sorted(task_runs, key=lambda t: (t["task_slug"], t["map_index"])):
        state = {"state": task_run["state"], "message": task_run["state_message"]}
        if task_run["map_index"] < 0:
            tasks[task_run["task_slug"]] = {**state, **tasks.get(task_run["task_slug"], {})}
        else:
            parent = tasks.setdefault(task_run["task_slug"], {})
            parent.setdefault("children", []).append(state)
    return {"flow": {"state": run["state"], "message": run["state_message"]}, "tasks": tasks}


def log_messages(api: httpx.Client, run_id: str) -> list[str]:
    page = api.get(f"/api/flow-runs/{run_id}/logs", params={"limit": 1000}).json()
    return [line["message"] for line in page["items"]]


class Corpus:
    """The registered corpus on one server: flow ids by name, and runs made through the
    client the way a user (or the UI's "Run" button) makes them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api = httpx.Client(base_url=url, timeout=30)
        self.client = Client(url)
        answer = self.client.graphql(
            query="""
                query($project: String) {
                  flow(where: {project: {name: {_eq: $project}}, archived: {_eq: false}},
                       order_by: {name: asc}) {
                    id name schedule flow_group_id
                  }
                }
            """,
            variables={"project": PROJECT},
        )
        self.flows = {flow["name"]: flow for flow in answer["data"]["flow"]}

    def run(self, flow_name: str, parameters: dict[str, Any] | None = None) -> str:
        return self.client.create_flow_run(flow_id=self.flows[flow_name]["id"],
                                           parameters=parameters or {})

    def run_and_wait(self, flow_name: str, parameters: dict[str, Any] | None = None
                     ) -> dict[str, Any]:
        return finished_run(self.api, self.run(flow_name, parameters))

    def scheduled_runs(self, flow_name: str) -> list[dict[str, Any]]:
        page = self.api.get("/api/flow-runs", params={
            "flow_id": self.flows[flow_name]["id"], "state": "Scheduled", "limit": 500}).json()
        return [run for run in page["items"] if run["auto_scheduled"]]


def clock_runs(runs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """What distinguishes the runs of each clock: its parameter defaults and labels."""
    return {(json.dumps(run["parameters"], sort_keys=True), json.dumps(sorted(run["labels"])))
            for run in runs}


def expected_clocks(*clocks: tuple[dict[str, Any], list[str]]) -> set[tuple[str, str]]:
    return {(json.dumps(parameters, sort_keys=True), json.dumps(sorted(labels)))
            for parameters, labels in clocks}


def check_schedules(corpus: Corpus) -> None:
    """Every clock of every schedule made runs with its own parameter defaults and labels."""
    smtr = ["rj-smtr"]
    assert clock_runs(corpus.scheduled_runs("SMTR: usuarios - Captura")) == expected_clocks(
        ({"pages": [1]}, smtr), ({"pages": [2, 3]}, smtr), ({"pages": [1, 2, 3]}, smtr))
    assert clock_runs(corpus.scheduled_runs("SMTR: linhas - Paginacao")) == expected_clocks(
        ({}, smtr))
    assert clock_runs(corpus.scheduled_runs("EMD: utils - Limpa execucoes antigas")) == (
        expected_clocks(({"project": "main", "days": 7}, ["rj-dataoffice"]),
                        ({"project": "staging", "days": 1}, ["rj-dataoffice"])))
    sme = {"db_path": "sme.sqlite"}
    assert clock_runs(corpus.scheduled_runs("SME: educacao - Dump alunos")) == expected_clocks(
        ({**sme, "table": "alunos", "dump_mode": "overwrite", "materialize_after_dump": True},
         ["rj-sme"]),
        ({**sme, "table": "turmas", "dump_mode": "append", "materialize_after_dump": True},
         ["rj-sme"]),
        ({**sme, "table": "escolas", "dump_mode": "append", "materialization_mode": "prod"},
         ["rj-sme"]))
    assert clock_runs(corpus.scheduled_runs("COR: chuva - Alerta")) == expected_clocks(
        ({"stations": ["tijuca"], "threshold": 20.0}, ["rj-cor"]),
        ({"stations": ["centro"], "threshold": 25.0}, ["rj-cor"]),
        ({"stations": ["barra"], "threshold": 30.0}, ["rj-cor"]))
    assert len(clock_runs(corpus.scheduled_runs("EMD: materializacao - Modelos"))) >= 2
    for name in ("SMTR: orquestrador", "EMD: agregacao - Anual", "COR: chuva - Validacao"):
        assert corpus.scheduled_runs(name) == [], name


def switch_schedules_off(corpus: Corpus) -> None:
    """The operator pauses every schedule through GraphQL; their future runs go."""
    for name, flow in corpus.flows.items():
        if not flow["schedule"]:
            continue
        answer = corpus.client.graphql(
            query="""
                mutation($id: UUID!) {
                  set_schedule_inactive(input: {flow_id: $id}) { success }
                }
            """,
            variables={"id": flow["id"]},
        )
        assert answer["data"]["set_schedule_inactive"] == {"success": True}, name
        assert corpus.scheduled_runs(name) == [], name


@pytest.mark.compat
@pytest.mark.timeout(900)
def test_the_migrated_corpus_on_a_server_with_agents(server_process, tmp_path: Path) -> None:
    python = prefect_python()
    index = load_corpus_index()
    with serve_stand_in_api() as api_url:
        original = tmp_path / "original"
        shutil.copytree(PIPELINES, original / "pipelines")
        expected = run_corpus(python, original, tmp_path / "prefect-run", api_url)

        code = tmp_path / "code"
        migrated_copy(code)
        work = tmp_path / "work"
        work.mkdir()
        db_path = work / "banco.sqlite"
        make_database(db_path)
        env = {"PYTHONPATH": str(code)}
        url = server_process.url

        created = caudal_cli(url, "create", "project", PROJECT, cwd=work, env=env)
        assert created.returncode == 0, created.stdout + created.stderr
        registered = caudal_cli(url, "register", "--project", PROJECT,
                                "--path", str(code / "pipelines" / "flows.py"),
                                cwd=work, env=env)
        assert registered.returncode == 0, registered.stdout + registered.stderr

        corpus = Corpus(url)
        names = {document["name"] for document in expected["runs"]}
        assert names | {"SMTR: orquestrador", "EMD: template - Dump banco de dados"} <= set(
            corpus.flows), sorted(corpus.flows)
        check_schedules(corpus)
        switch_schedules_off(corpus)

        agents = [AgentProcess(url, "--label", "rj-smtr", "--no-hostname-label",
                               name="agente-smtr", env=env, cwd=work),
                  AgentProcess(url, *[a for label in AGENCY_LABELS for a in ("--label", label)],
                               "--no-hostname-label", name="agente-geral", env=env, cwd=work)]
        with agents[0], agents[1]:
            values = {"api_url": api_url, "db_path": str(db_path)}
            for (_, _, parameters), want in zip(index.LOCAL_RUNS, expected["runs"],
                                                strict=True):
                if want["name"] == "EMD: utils - Limpa execucoes antigas":
                    continue  # asks the server: its own check below
                run = corpus.run_and_wait(want["name"], fill(parameters, values))
                got = json.loads(json.dumps(describe_server_run(corpus.api, run))
                                 .replace(str(work), "<work>"))
                assert got == without_results(want["run"]), (
                    f"{want['flow']} ({want['name']}) differs on the server")
            files = {name: (text.replace(str(work), "<work>") if isinstance(text, str)
                            else text)
                     for name, text in read_files(work, {db_path}).items()}
            assert files == expected["files"]

            check_cleanup(corpus)
            check_skip_if_running(corpus, api_url)
            check_orchestrator(corpus, api_url, work)


def check_cleanup(corpus: Corpus) -> None:
    """Runs of `main` due more than 7 days ago: never taken → Cancelled; finished → deleted;
    a run due 2 days ago is left alone."""
    now = datetime.now(UTC)
    flow_id = corpus.flows["SMTR: linhas - Paginacao"]["id"]

    def create(days_ago: float) -> str:
        answer = corpus.client.graphql(
            query="""
                mutation($input: create_flow_run_input!) {
                  create_flow_run(input: $input) { id }
                }
            """,
            variables={"input": {
                "flow_id": flow_id, "labels": ["sem-agente"],
                "scheduled_start_time": (now - timedelta(days=days_ago)).isoformat()}},
        )
        return answer["data"]["create_flow_run"]["id"]

    stale = [create(10), create(9)]
    finished = [create(12), create(8)]
    recent = create(2)
    for run_id in finished:
        answer = corpus.client.graphql(
            query="""
                mutation($input: set_flow_run_states_input!) {
                  set_flow_run_states(input: $input) { states { id status } }
                }
            """,
            variables={"input": {"states": [
                {"flow_run_id": run_id, "state": {"type": "Failed", "message": "antiga"}}]}},
        )
        assert answer["data"]["set_flow_run_states"]["states"] == [
            {"id": run_id, "status": "SUCCESS"}]

    run = corpus.run_and_wait("EMD: utils - Limpa execucoes antigas", {"days": 7})
    assert run["state"] == "Success", describe_server_run(corpus.api, run)
    assert "Limpeza de main: 2 canceladas, 2 apagadas." in log_messages(corpus.api, run["id"])
    for run_id in stale:
        assert corpus.api.get(f"/api/flow-runs/{run_id}").json()["state"] == "Cancelled"
    for run_id in finished:
        assert corpus.api.get(f"/api/flow-runs/{run_id}").status_code == 404
    assert corpus.api.get(f"/api/flow-runs/{recent}").json()["state"] == "Scheduled"


def check_skip_if_running(corpus: Corpus, api_url: str) -> None:
    """The alert's skip-if-running handler: a second run while the first is running ends
    Skipped; the first, once its slow API answers, ends as usual."""
    name = "COR: chuva - Alerta"
    first = corpus.run(name, {"url": f"{api_url}/chuva-lenta/"})
    wait_until(lambda: StandInAPI.slow_requests > 0, timeout=RUN_TIMEOUT_S,
               what="the first alert run to call the slow API")
    wait_until(lambda: corpus.api.get(f"/api/flow-runs/{first}").json()["state"] == "Running",
               timeout=30, what="the first alert run to be Running on the server")
    second = corpus.run_and_wait(name, {"url": f"{api_url}/chuva/"})
    StandInAPI.release.set()
    assert second["state"] == "Skipped", describe_server_run(corpus.api, second)
    assert second["state_message"] == "Skipped: another run of this flow is running."
    assert "Another run of this flow is running: skipping." in log_messages(
        corpus.api, second["id"])
    assert finished_run(corpus.api, first)["state"] == "Success"
    third = corpus.run_and_wait(name, {"url": f"{api_url}/chuva/"})
    assert third["state"] == "Success", "with none running, the handler lets a run go"


def check_orchestrator(corpus: Corpus, api_url: str, work: Path) -> None:
    """The orchestrator starts both SMTR flows as its children, with its parameters and
    labels, waits for them, and their log lines stream into its own log."""
    (work / "data" / "linhas" / "contagem.json").unlink()
    parameters = [{"url": f"{api_url}/flaky/api/", "pages": [1, 2]},
                  {"url": f"{api_url}/paginas/"}]
    run = corpus.run_and_wait("SMTR: orquestrador", {"parametros": parameters})
    assert run["state"] == "Success", describe_server_run(corpus.api, run)
    children = corpus.api.get("/api/flow-runs",
                              params={"parent_flow_run_id": run["id"]}).json()["items"]
    by_flow = {child["flow_name"]: child for child in children}
    assert set(by_flow) == {"SMTR: usuarios - Captura", "SMTR: linhas - Paginacao"}
    for child, given in zip((by_flow["SMTR: usuarios - Captura"],
                             by_flow["SMTR: linhas - Paginacao"]), parameters, strict=True):
        assert child["state"] == "Success"
        assert child["parameters"] == given
        assert child["labels"] == ["rj-smtr"]
        assert child["name"] == "orquestrado"
    messages = log_messages(corpus.api, run["id"])
    pagination = by_flow["SMTR: linhas - Paginacao"]["name"]
    assert any(message.startswith(f"Flow run '{pagination}': ") and "Pagina 3: 3 itens"
               in message for message in messages), messages
    counts = json.loads((work / "data" / "linhas" / "contagem.json").read_text())
    assert counts == {"L0": 4, "L1": 5}
