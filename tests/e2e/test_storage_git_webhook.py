"""Git and Webhook storage end to end: `caudal register` stores each flow's code, a real agent
runs it, and the run process loads the flow from a git repository made here, or from an HTTP
file service on 127.0.0.1 that wants a token, on each database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures_agent import AgentProcess, caudal, wait_until
from storage.stand_ins import GitRepo, WebhookServer

GIT_FLOW = '''\
from pathlib import Path

from caudal import Flow, Parameter, task
from caudal.storage import Git


@task
def write_version(out):
    Path(out).write_text("{version}")


with Flow("etl from git") as flow:
    write_version(Parameter("out"))

flow.storage = Git(flow_path="flows/etl.py", repo="pipelines", repo_host="{remotes}")
'''

WEBHOOK_FLOW = '''\
from pathlib import Path

from caudal import Flow, Parameter, task
from caudal.storage import Webhook


@task
def write_total(out):
    Path(out).write_text(str(sum(range(10))))


with Flow("etl from webhook") as flow:
    write_total(Parameter("out"))

flow.storage = Webhook(
    build_request_kwargs={{"url": "{url}/flows/etl", "headers": {{"X-Token": "${{FILES_TOKEN}}"}}}},
    build_request_http_method="PUT",
    get_flow_request_kwargs={{"url": "{url}/flows/etl", "headers": {{"X-Token": "${{FILES_TOKEN}}"}}}},
    get_flow_request_http_method="GET",
)
'''


def _finished(api: httpx.Client, run_id: str) -> dict[str, Any] | None:
    run = api.get(f"/api/flow-runs/{run_id}").json()
    return run if run["state"] in ("Success", "Failed", "Cancelled") else None


def _run(url: str, api: httpx.Client, name: str, out: Path) -> dict[str, Any]:
    created = caudal(url, "run", "--name", name, "--param", f"out={out}")
    assert created.returncode == 0, created.stderr
    run_id = created.stdout.split("ID: ")[1].split()[0]
    return wait_until(lambda: _finished(api, run_id), timeout=90, what=f"a run of '{name}'")


def _register(url: str, path: Path, env: dict[str, str] | None = None) -> None:
    created = caudal(url, "create", "project", "tests")
    assert created.returncode == 0 or "already exists" in created.stderr, created.stderr
    registered = caudal(url, "register", "--project", "tests", "--path", str(path), env=env)
    assert registered.returncode == 0, registered.stdout + registered.stderr


def test_git_flow_runs_what_the_repository_holds_when_each_run_starts(server_process,
                                                                      tmp_path: Path):
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    remotes = tmp_path / "remotes"
    repo = GitRepo(remotes / "pipelines")
    repo.commit({"flows/etl.py": GIT_FLOW.format(version="v1", remotes=remotes.as_uri())})
    _register(url, repo.path / "flows" / "etl.py")
    out = tmp_path / "version.txt"

    with AgentProcess(url):
        first = _run(url, api, "etl from git", out)
        assert first["state"] == "Success", first["state_message"]
        assert out.read_text() == "v1"

        # Pushed after registering: the next run gets it, with no new registration.
        repo.commit({"flows/etl.py": GIT_FLOW.format(version="v2", remotes=remotes.as_uri())})
        second = _run(url, api, "etl from git", out)

    assert second["state"] == "Success", second["state_message"]
    assert out.read_text() == "v2"
    flow = api.get(f"/api/flows/{first['flow_id']}").json()
    assert flow["version"] == 1
    assert flow["storage"]["type"] == "Git"
    assert (flow["storage"]["repo"], flow["storage"]["flows"]) == (
        "pipelines", {"etl from git": "flows/etl.py"})


def test_webhook_flow_is_uploaded_at_registration_and_fetched_by_the_run(server_process,
                                                                         tmp_path: Path):
    url = server_process.url
    api = httpx.Client(base_url=url, timeout=30)
    out = tmp_path / "total.txt"
    with WebhookServer(required_header=("X-Token", "s3cret")) as files:
        path = tmp_path / "flows.py"
        path.write_text(WEBHOOK_FLOW.format(url=files.url))
        _register(url, path, env={"FILES_TOKEN": "s3cret"})
        uploaded = [(method, p) for method, p, _ in files.requests]
        assert uploaded == [("PUT", "/flows/etl")]

        # The agent has the token as a secret only: the run fills the template from it.
        with AgentProcess(url, env={"CAUDAL__CONTEXT__SECRETS__FILES_TOKEN": "s3cret"}):
            run = _run(url, api, "etl from webhook", out)
        fetched = files.requests[1:]

    assert run["state"] == "Success", run["state_message"]
    assert out.read_text() == "45"
    assert [(method, p, headers["X-Token"]) for method, p, headers in fetched] == [
        ("GET", "/flows/etl", "s3cret")]
    flow = api.get(f"/api/flows/{run['flow_id']}").json()
    assert flow["storage"]["type"] == "Webhook"
    assert "s3cret" not in str(flow["storage"])
    assert flow["storage"]["get_flow_request_kwargs"]["headers"] == {"X-Token": "${FILES_TOKEN}"}


pytestmark = pytest.mark.timeout(300)
