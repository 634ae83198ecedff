"""/graphql with API keys required: the REST API's rules (a viewer may query; each mutation
needs the role of its REST route), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from caudal.server.services.api_keys import create_api_key
from caudal.wire.auth import Role

QUERY = {"query": "{ project { name } }"}


@pytest.fixture
def clients(auth_served: Any) -> Iterator[dict[Role | None, httpx.Client]]:
    """A client per role (and one without a key), with a project and a run made by admin."""
    db = auth_served.app.state.db
    made = {role: httpx.Client(base_url=auth_served.url, timeout=30, headers={
        "Authorization": f"Bearer {create_api_key(db, f'test {role.value}', role).key}"})
        for role in Role}
    made[None] = httpx.Client(base_url=auth_served.url, timeout=30)
    admin = made[Role.ADMIN]
    assert admin.post("/api/projects", json={"name": "etl"}).status_code == 201
    try:
        yield made
    finally:
        for client in made.values():
            client.close()


def _run(admin: httpx.Client) -> str:
    registered = admin.post("/api/flows/register", json={
        "project": "etl", "name": "nightly", "hash": "h1", "serialized": {"parameters": []}})
    assert registered.status_code == 201, registered.text
    run = admin.post("/api/flow-runs", json={"flow_id": registered.json()["flow_id"]})
    assert run.status_code == 201, run.text
    return str(run.json()["id"])


def _rename(run_id: str) -> dict[str, Any]:
    return {"query": "mutation($id: String!) { set_flow_run_name(input: {flow_run_id: $id, "
                     'name: "x"}) { success } }', "variables": {"id": run_id}}


def test_graphql_without_key_is_401(clients: dict[Role | None, httpx.Client]) -> None:
    response = clients[None].post("/graphql", json=QUERY)

    assert response.status_code == 401
    assert "requires an API key" in response.json()["detail"]


def test_viewer_may_query(clients: dict[Role | None, httpx.Client]) -> None:
    response = clients[Role.VIEWER].post("/graphql", json=QUERY)

    assert response.status_code == 200
    assert response.json() == {"data": {"project": [{"name": "etl"}]}}


def test_viewer_may_not_mutate_and_nothing_changes(
        clients: dict[Role | None, httpx.Client]) -> None:
    run_id = _run(clients[Role.ADMIN])

    response = clients[Role.VIEWER].post("/graphql", json=_rename(run_id))

    assert response.status_code == 403
    assert response.json()["detail"] == ("This request needs the 'runner' role; the API key "
                                         "has 'viewer'.")
    assert clients[Role.ADMIN].get(f"/api/flow-runs/{run_id}").json()["name"] != "x"


def test_mutation_needs_the_role_of_its_rest_route(
        clients: dict[Role | None, httpx.Client]) -> None:
    run_id = _run(clients[Role.ADMIN])
    rename = _rename(run_id)
    delete = {"query": "mutation($id: String!) { delete_flow_run(input: {flow_run_id: $id}) "
                       "{ success } }", "variables": {"id": run_id}}

    renamed = clients[Role.RUNNER].post("/graphql", json=rename)
    refused = clients[Role.RUNNER].post("/graphql", json=delete)
    deleted = clients[Role.ADMIN].post("/graphql", json=delete)

    assert renamed.json() == {"data": {"set_flow_run_name": {"success": True}}}
    assert refused.status_code == 403
    assert "needs the 'admin' role" in refused.json()["detail"]
    assert deleted.json() == {"data": {"delete_flow_run": {"success": True}}}
    assert clients[Role.ADMIN].get(f"/api/flow-runs/{run_id}").status_code == 404
