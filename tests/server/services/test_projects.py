"""Projects: created once by name, listed with how many flows they hold."""

from __future__ import annotations

import httpx

from ..helpers import build_flow, create_project, register


def test_create_and_list_projects_by_name_with_flow_counts(api: httpx.Client) -> None:
    created = api.post("/api/projects", json={"name": "sales", "description": "Sales ETL"})
    create_project(api, "finance")
    register(api, build_flow("a"), project="sales")
    register(api, build_flow("b"), project="sales")
    register(api, build_flow("b", changed=True), project="sales")  # a version, not a flow

    assert created.status_code == 201
    assert created.json()["description"] == "Sales ETL"
    listed = api.get("/api/projects").json()
    assert [(p["name"], p["flow_count"]) for p in listed] == [("finance", 0), ("sales", 2)]


def test_project_name_taken_is_409(api: httpx.Client) -> None:
    create_project(api, "sales")

    response = api.post("/api/projects", json={"name": "sales"})

    assert response.status_code == 409
    assert response.json()["detail"] == "Project 'sales' already exists."


def test_blank_project_name_is_422(api: httpx.Client) -> None:
    response = api.post("/api/projects", json={"name": " \t "})

    assert response.status_code == 422
    assert api.get("/api/projects").json() == []


def test_padded_project_name_is_stored_stripped(api: httpx.Client) -> None:
    response = api.post("/api/projects", json={"name": " padded "})
    again = api.post("/api/projects", json={"name": "padded"})

    assert response.status_code == 201
    assert response.json()["name"] == "padded"
    assert again.status_code == 409
