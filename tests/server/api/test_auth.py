"""API keys and roles on a server that requires keys, on SQLite and PostgreSQL.

viewer < runner < admin: a viewer reads, a runner runs flows (runs, states, logs, task
states, claims), an admin also registers flows, makes projects, archives, deletes runs and
manages keys. /health and /metrics need no key. Keys are stored as digests and never logged.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from caudal.server.services.api_keys import create_api_key
from caudal.server.settings import ServerSettings
from caudal.wire.auth import Role


def _client(served: Any, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return httpx.Client(base_url=served.url, headers=headers, timeout=30)


def _key(served: Any, role: Role) -> str:
    return create_api_key(served.app.state.db, f"test {role.value}", role).key


@pytest.fixture
def keys(auth_served: Any) -> dict[Role, str]:
    """One key per role, made with the service, as 'caudal auth create-key' does."""
    return {role: _key(auth_served, role) for role in Role}


@pytest.fixture
def flow(auth_served: Any, keys: dict[Role, str]) -> dict[str, str]:
    """A project, a registered flow and one scheduled run of it, made by an admin."""
    with _client(auth_served, keys[Role.ADMIN]) as admin:
        assert admin.post("/api/projects", json={"name": "etl"}).status_code == 201
        registered = admin.post("/api/flows/register", json={
            "project": "etl", "name": "nightly", "hash": "h1",
            "serialized": {"parameters": []}})
        assert registered.status_code == 201, registered.text
        flow_id = registered.json()["flow_id"]
        run = admin.post("/api/flow-runs", json={"flow_id": flow_id})
        assert run.status_code == 201, run.text
    return {"flow_id": flow_id, "flow_run_id": run.json()["id"]}


def test_request_without_key_gets_401_saying_how_to_send_one(auth_served: Any) -> None:
    with _client(auth_served) as anonymous:
        response = anonymous.get("/api/projects")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "requires an API key" in detail
    assert "Authorization: Bearer <key>" in detail
    assert "caudal auth create-key" in detail
    assert response.headers["www-authenticate"] == "Bearer"


def test_request_with_unknown_key_gets_401(auth_served: Any, keys: dict[Role, str]) -> None:
    with _client(auth_served, "cdl_not-a-key-this-server-made") as stranger:
        response = stranger.get("/api/projects")
    assert response.status_code == 401
    assert "API key is not valid" in response.json()["detail"]


def test_request_with_other_scheme_counts_as_no_key(auth_served: Any,
                                                     keys: dict[Role, str]) -> None:
    with httpx.Client(base_url=auth_served.url, timeout=30) as http:
        response = http.get("/api/projects",
                            headers={"Authorization": f"Basic {keys[Role.ADMIN]}"})
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


def test_key_in_x_caudal_api_key_header_is_accepted(auth_served: Any,
                                                    keys: dict[Role, str]) -> None:
    with httpx.Client(base_url=auth_served.url, timeout=30) as http:
        response = http.get("/api/projects", headers={"X-Caudal-Api-Key": keys[Role.VIEWER]})
    assert response.status_code == 200, response.text


def test_health_and_metrics_need_no_key(auth_served: Any) -> None:
    with _client(auth_served) as anonymous:
        health = anonymous.get("/health")
        metrics = anonymous.get("/metrics")
    assert health.status_code == 200, health.text
    assert health.json()["status"] == "ok"
    assert metrics.status_code == 200, metrics.text
    assert "caudal_http_requests" in metrics.text


def test_viewer_reads_lists_but_cannot_create_runs(auth_served: Any, keys: dict[Role, str],
                                                   flow: dict[str, str]) -> None:
    run_id = flow["flow_run_id"]
    with _client(auth_served, keys[Role.VIEWER]) as viewer:
        for path in ("/api/projects", "/api/flows", "/api/flow-runs", "/api/agents",
                     f"/api/flows/{flow['flow_id']}", f"/api/flow-runs/{run_id}",
                     f"/api/flow-runs/{run_id}/states", f"/api/flow-runs/{run_id}/logs",
                     f"/api/flow-runs/{run_id}/task-runs"):
            response = viewer.get(path)
            assert response.status_code == 200, (path, response.text)
        refused = viewer.post("/api/flow-runs", json={"flow_id": flow["flow_id"]})
        keys_refused = viewer.get("/api/api-keys")
    assert refused.status_code == 403
    assert refused.json()["detail"] == ("This request needs the 'runner' role; the API key "
                                        "has 'viewer'.")
    assert keys_refused.status_code == 403
    assert "'admin' role" in keys_refused.json()["detail"]


def test_runner_runs_flows(auth_served: Any, keys: dict[Role, str],
                           flow: dict[str, str]) -> None:
    with _client(auth_served, keys[Role.RUNNER]) as runner:
        created = runner.post("/api/flow-runs", json={"flow_id": flow["flow_id"]})
        assert created.status_code == 201, created.text
        agent = runner.post("/api/agents", json={"name": "etl-1"})
        assert agent.status_code == 201, agent.text
        agent_id = agent.json()["id"]
        assert runner.post(f"/api/agents/{agent_id}/heartbeat").status_code == 200
        claimed = runner.post(f"/api/agents/{agent_id}/claim", json={"limit": 1})
        assert claimed.status_code == 200, claimed.text
        assert [r["state"] for r in claimed.json()] == ["Submitted"]
        run_id = claimed.json()[0]["id"]
        running = runner.post(f"/api/flow-runs/{run_id}/state", json={"state": "Running"})
        assert running.status_code == 200, running.text
        assert runner.post(f"/api/flow-runs/{run_id}/heartbeat").status_code == 200
        logs = runner.post("/api/logs", json=[{
            "flow_run_id": run_id, "timestamp": "2024-05-01T12:00:00Z", "level": 20,
            "message": "Flow run RUNNING"}])
        assert logs.json() == {"written": 1}
        states = runner.post("/api/task-runs/states", json=[
            {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Running"},
            {"flow_run_id": run_id, "task_slug": "extract-1", "state": "Success"}])
        assert states.json() == {"written": 2}
        renamed = runner.patch(f"/api/flow-runs/{run_id}", json={"name": "rerun"})
        assert renamed.status_code == 200, renamed.text
        done = runner.post(f"/api/flow-runs/{run_id}/state", json={"state": "Success"})
        assert done.status_code == 200, done.text
        other = flow["flow_run_id"] if run_id != flow["flow_run_id"] else created.json()["id"]
        cancelled = runner.post(f"/api/flow-runs/{other}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "Cancelled"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/flows/register", {"project": "etl", "name": "other", "hash": "h",
                                      "serialized": {"parameters": []}}),
    ("POST", "/api/projects", {"name": "new"}),
    ("POST", "/api/flows/{flow_id}/archive", None),
    # Switching a schedule off deletes the flow's future runs: as much as deleting a run.
    ("POST", "/api/flows/{flow_id}/schedule/deactivate", None),
    ("POST", "/api/flows/{flow_id}/schedule/activate", None),
    ("DELETE", "/api/flow-runs/{flow_run_id}", None),
    ("GET", "/api/api-keys", None),
    ("POST", "/api/api-keys", {"name": "mine", "role": "admin"}),
    ("DELETE", "/api/api-keys/some-key-id", None),
])
@pytest.mark.parametrize("role", [Role.VIEWER, Role.RUNNER])
def test_only_admin_administers(auth_served: Any, keys: dict[Role, str], flow: dict[str, str],
                                method: str, path: str, body: Any, role: Role) -> None:
    with _client(auth_served, keys[role]) as caller:
        response = caller.request(method, path.format(**flow), json=body)
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == ("This request needs the 'admin' role; the API key "
                                         f"has '{role.value}'.")


def test_admin_administers(auth_served: Any, keys: dict[Role, str],
                           flow: dict[str, str]) -> None:
    with _client(auth_served, keys[Role.ADMIN]) as admin:
        assert admin.post("/api/projects", json={"name": "ops"}).status_code == 201
        off = admin.post(f"/api/flows/{flow['flow_id']}/schedule/deactivate")
        assert off.status_code == 200 and off.json()["active"] is False, off.text
        on = admin.post(f"/api/flows/{flow['flow_id']}/schedule/activate")
        assert on.status_code == 200 and on.json()["active"] is True, on.text
        v2 = admin.post("/api/flows/register", json={
            "project": "etl", "name": "nightly", "hash": "h2",
            "serialized": {"parameters": []}})
        assert v2.json()["archived_flow_id"] == flow["flow_id"]
        archived = admin.post(f"/api/flows/{v2.json()['flow_id']}/archive")
        assert archived.json()["archived"] is True
        assert admin.delete(f"/api/flow-runs/{flow['flow_run_id']}").status_code == 204
        made = admin.post("/api/api-keys", json={"name": "ci", "role": "runner"})
        assert made.status_code == 201, made.text
        assert made.json()["key"].startswith(made.json()["prefix"])
        listed = admin.get("/api/api-keys").json()
        assert "ci" in {k["name"] for k in listed}
        assert all("key" not in k and "key_hash" not in k for k in listed)


def test_revoked_key_stops_working_at_once(auth_served: Any, keys: dict[Role, str]) -> None:
    with _client(auth_served, keys[Role.ADMIN]) as admin:
        made = admin.post("/api/api-keys", json={"name": "temp", "role": "viewer"}).json()
        with _client(auth_served, made["key"]) as temp:
            assert temp.get("/api/projects").status_code == 200  # now in the key cache
            assert admin.delete(f"/api/api-keys/{made['id']}").status_code == 204
            response = temp.get("/api/projects")
        again = admin.delete(f"/api/api-keys/{made['id']}")
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["detail"]
    assert again.status_code == 404
    assert made["id"] in again.json()["detail"]


def test_keys_are_stored_only_as_digests(auth_served: Any, keys: dict[Role, str]) -> None:
    from sqlalchemy import select

    from caudal.server.db import models

    with _client(auth_served, keys[Role.ADMIN]) as admin:
        made = admin.post("/api/api-keys", json={"name": "ci", "role": "runner"}).json()
    with auth_served.app.state.db.read() as conn:
        rows = [r._asdict() for r in conn.execute(select(models.api_keys))]
    assert len(rows) == len(keys) + 1
    stored = repr(rows)
    for key in [*keys.values(), made["key"]]:
        assert key not in stored
        assert key[len("cdl_"):] not in stored
    by_id = {r["id"]: r for r in rows}
    assert by_id[made["id"]]["key_hash"] == hashlib.sha256(made["key"].encode()).hexdigest()


@pytest.fixture
def all_server_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of the 'caudal' and 'uvicorn' loggers, at DEBUG.

    uvicorn's loggers do not propagate to the root logger, where caplog listens, so the
    capturing handler is put on each of them directly.
    """
    names = ("caudal", "uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    caplog.handler.setLevel(logging.DEBUG)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.propagate = False  # each record reaches caplog once, through its own handler
        lg.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        for lg, (level, propagate) in zip(loggers, saved, strict=True):
            lg.removeHandler(caplog.handler)
            lg.setLevel(level)
            lg.propagate = propagate


def test_keys_never_appear_in_server_logs(auth_served: Any, keys: dict[Role, str],
                                          all_server_logs: pytest.LogCaptureFixture) -> None:
    wrong = "cdl_wrong-key-that-must-not-be-logged"
    with _client(auth_served, keys[Role.ADMIN]) as admin:
        made = admin.post("/api/api-keys", json={"name": "ci", "role": "runner"}).json()
        admin.get("/api/projects")
    with _client(auth_served, made["key"]) as runner:
        runner.get("/api/flow-runs")
        runner.post("/api/projects", json={"name": "refused"})  # 403
        runner.get("/api/flow-runs/no-such-run")  # 404
    with _client(auth_served, wrong) as stranger:
        stranger.get("/api/projects")
    with httpx.Client(base_url=auth_served.url, timeout=30) as http:
        http.get("/api/projects", headers={"X-Caudal-Api-Key": wrong})
    records = all_server_logs.records
    # The capture works: uvicorn logged each request (without headers).
    assert any("/api/projects" in r.getMessage() for r in records), [r.name for r in records]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}"
                       for r in records)
    for key in [*keys.values(), made["key"], wrong]:
        assert key not in logged
        assert key[len("cdl_"):] not in logged


@pytest.mark.parametrize(("host", "auth", "required"), [
    ("0.0.0.0", False, True),
    ("::", False, True),
    ("", False, True),
    ("192.168.1.20", False, True),
    ("caudal.example.com", False, True),
    ("127.0.0.1", False, False),
    ("::1", False, False),
    ("localhost", False, False),
    ("127.0.0.1", True, True),
])
def test_auth_required_unless_loopback_without_auth(host: str, auth: bool,
                                                    required: bool) -> None:
    settings = ServerSettings(database_url="sqlite://", host=host, auth=auth)
    assert settings.auth_required is required


def test_a_used_key_shows_when_it_was_last_used(auth_served) -> None:
    from caudal.server.services.api_keys import create_api_key, list_api_keys
    from caudal.wire.auth import Role

    db = auth_served.app.state.db
    created = create_api_key(db, "reader", Role.VIEWER)
    assert [k.last_used for k in list_api_keys(db) if k.id == created.id] == [None]

    response = httpx.get(f"{auth_served.url}/api/projects",
                         headers={"Authorization": f"Bearer {created.key}"})

    assert response.status_code == 200
    # Written behind the request: looked for a few times, for up to 5 s.
    for _ in range(50):
        (used,) = [k.last_used for k in list_api_keys(db) if k.id == created.id]
        if used is not None:
            break
        time.sleep(0.1)
    assert used is not None
