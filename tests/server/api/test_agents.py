"""/api/agents: a heartbeat may carry the agent's runs and limit, and may carry nothing."""

from __future__ import annotations

import httpx

from ..helpers import register_agent


def _agents(api: httpx.Client) -> dict[str, dict]:
    response = api.get("/api/agents")
    assert response.status_code == 200, response.text
    return {agent["id"]: agent for agent in response.json()}


def test_heartbeat_with_runs_and_limit_shows_them_in_the_agents_list(
        api: httpx.Client) -> None:
    agent_id = register_agent(api, "etl-1", ["gpu"])

    response = api.post(f"/api/agents/{agent_id}/heartbeat", json={"running": 2, "limit": 4})

    assert response.status_code == 200, response.text
    assert (response.json()["running"], response.json()["limit"]) == (2, 4)
    listed = _agents(api)[agent_id]
    assert (listed["running"], listed["limit"]) == (2, 4)


def test_heartbeat_without_a_body_is_accepted_and_keeps_the_numbers(api: httpx.Client) -> None:
    agent_id = register_agent(api, "etl-1")
    assert api.post(f"/api/agents/{agent_id}/heartbeat",
                    json={"running": 1, "limit": 2}).status_code == 200

    response = api.post(f"/api/agents/{agent_id}/heartbeat")

    assert response.status_code == 200, response.text
    listed = _agents(api)[agent_id]
    assert (listed["running"], listed["limit"]) == (1, 2)


def test_agent_that_never_said_has_no_runs_or_limit(api: httpx.Client) -> None:
    agent_id = register_agent(api, "etl-1")

    assert api.post(f"/api/agents/{agent_id}/heartbeat").status_code == 200

    listed = _agents(api)[agent_id]
    assert (listed["running"], listed["limit"]) == (None, None)


def test_limit_given_at_registration_is_kept(api: httpx.Client) -> None:
    response = api.post("/api/agents", json={"name": "etl-1", "limit": 3})

    assert response.status_code == 201, response.text
    assert (response.json()["running"], response.json()["limit"]) == (None, 3)
    assert _agents(api)[response.json()["id"]]["limit"] == 3


def test_heartbeat_with_a_negative_count_is_refused(api: httpx.Client) -> None:
    agent_id = register_agent(api, "etl-1")

    response = api.post(f"/api/agents/{agent_id}/heartbeat", json={"running": -1, "limit": 0})

    assert response.status_code == 422, response.text
