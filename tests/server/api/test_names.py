"""Names that look alike are one name, and names holding invisible characters are refused.

Projects, flows, runs, agents, tasks and labels are normalised to NFC with surrounding
whitespace stripped, through the real server on SQLite and PostgreSQL; control and format
characters get a 422 whose detail names the field and the character.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

NFC = "caf\u00e9"
NFD = "cafe\u0301"


def _created(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _refused(response: httpx.Response, *words: str) -> str:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, (word, detail)
    return detail


def _register(api: httpx.Client, name: str, *, project: str = "p", flow_hash: str = "h1",
              **fields: Any) -> httpx.Response:
    return api.post("/api/flows/register", json={
        "project": project, "name": name, "hash": flow_hash,
        "serialized": {"parameters": []}, **fields})


@pytest.fixture
def flow_id(api: httpx.Client) -> str:
    """Flow 'etl' in project 'p'."""
    _created(api.post("/api/projects", json={"name": "p"}))
    return _created(_register(api, "etl"))["flow_id"]


def test_flow_names_with_surrounding_whitespace_are_the_same_flow(api: httpx.Client,
                                                                  flow_id: str) -> None:
    first = api.get(f"/api/flows/{flow_id}").json()
    again = _created(_register(api, "etl "))
    changed = _created(_register(api, "\tetl", flow_hash="h2"))

    assert again["status"] == "skipped" and again["flow_id"] == flow_id
    assert changed["status"] == "created" and changed["version"] == 2
    assert changed["flow_group_id"] == first["flow_group_id"]
    assert [f["name"] for f in _created(api.get("/api/flows"))] == ["etl"]


def test_flow_name_with_zero_width_space_is_422(api: httpx.Client, flow_id: str) -> None:
    _refused(_register(api, "e\u200btl"), "name:", "format character U+200B",
             "ZERO WIDTH SPACE")
    assert [f["name"] for f in _created(api.get("/api/flows"))] == ["etl"]


def test_nfc_and_nfd_project_names_are_one_project(api: httpx.Client) -> None:
    created = _created(api.post("/api/projects", json={"name": NFC}))
    second = api.post("/api/projects", json={"name": NFD})

    assert created["name"] == NFC
    assert second.status_code == 409, second.text
    assert "already exists" in second.json()["detail"]
    assert [p["name"] for p in _created(api.get("/api/projects"))] == [NFC]


def test_project_of_a_registration_or_run_is_normalised(api: httpx.Client) -> None:
    _created(api.post("/api/projects", json={"name": NFD}))
    registered = _created(_register(api, " etl ", project=f" {NFD}"))
    run = _created(api.post("/api/flow-runs", json={"flow_name": "etl ", "project": NFD}))

    assert _created(api.get(f"/api/flows/{registered['flow_id']}"))["project"] == NFC
    shown = _created(api.get(f"/api/flow-runs/{run['id']}"))
    assert (shown["flow_name"], shown["project"]) == ("etl", NFC)


@pytest.mark.parametrize(("value", "words"), [
    ("a\x07b", ["control character U+0007 (BELL)"]),
    ("a\nb", ["control character U+000A (LINE FEED)"]),
    ("a\u202eb", ["format character U+202E (RIGHT-TO-LEFT OVERRIDE)"]),
    ("\ufeffab", ["format character U+FEFF"]),
    ("a\u00adb", ["format character U+00AD (SOFT HYPHEN)"]),
    ("a\u200db", ["format character U+200D (ZERO WIDTH JOINER)"]),
    ("  ", ["must not be empty"]),
])
def test_invisible_characters_in_any_name_are_422(api: httpx.Client, flow_id: str, value: str,
                                                  words: list[str]) -> None:
    run = _created(api.post("/api/flow-runs", json={"flow_id": flow_id}))
    _refused(api.post("/api/projects", json={"name": value}), "name:", *words)
    _refused(_register(api, value), "name:", *words)
    _refused(_register(api, "etl", project=value), "project:", *words)
    _refused(api.post("/api/flow-runs", json={"flow_name": value, "project": "p"}),
             "flow_name:", *words)
    _refused(api.post("/api/flow-runs", json={"flow_name": "etl", "project": value}),
             "project:", *words)
    _refused(api.post("/api/flow-runs", json={"flow_id": flow_id, "run_name": value}),
             "run_name:", *words)
    _refused(api.patch(f"/api/flow-runs/{run['id']}", json={"name": value}), "name:", *words)
    _refused(api.post("/api/agents", json={"name": value}), "name:", *words)
    _refused(api.post("/api/task-runs/states", json=[
        {"flow_run_id": run["id"], "task_slug": "t-1", "task_name": value,
         "state": "Running"}]), "0.task_name:", *words)
    _refused(_register(api, "etl", labels=["ok", value]), "labels.1:", *words)
    _refused(api.post("/api/agents", json={"name": "a", "labels": [value]}), "labels.0:",
             *words)
    _refused(api.post("/api/flow-runs", json={"flow_id": flow_id, "labels": [value]}),
             "labels.0:", *words)


def test_run_agent_and_task_names_are_normalised(api: httpx.Client, flow_id: str) -> None:
    run = _created(api.post("/api/flow-runs", json={"flow_id": flow_id,
                                                    "run_name": f" {NFD} "}))
    agent = _created(api.post("/api/agents", json={"name": f"{NFD}\n"}))
    _created(api.post("/api/task-runs/states", json=[
        {"flow_run_id": run["id"], "task_slug": "t-1", "task_name": f" {NFD}",
         "state": "Running"}]))

    assert run["name"] == NFC
    assert agent["name"] == NFC
    tasks = _created(api.get(f"/api/flow-runs/{run['id']}/task-runs"))
    assert [t["task_name"] for t in tasks] == [NFC]
    renamed = _created(api.patch(f"/api/flow-runs/{run['id']}", json={"name": "\tnightly "}))
    assert renamed["name"] == "nightly"


def test_labels_are_normalised(api: httpx.Client, flow_id: str) -> None:
    run = _created(api.post("/api/flow-runs", json={"flow_id": flow_id, "labels": ["gpu "]}))
    registered = _created(_register(api, "etl", flow_hash="h2", labels=[" prod", NFD]))
    agent = _created(api.post("/api/agents", json={"name": "a", "labels": [f"{NFD} "]}))

    assert sorted(_created(api.get(f"/api/flows/{registered['flow_id']}"))["labels"]) == \
        sorted(["prod", NFC])
    assert run["labels"] == ["gpu"]
    assert agent["labels"] == [NFC]


def test_name_length_is_checked_after_stripping(api: httpx.Client) -> None:
    _created(api.post("/api/projects", json={"name": " " * 10 + "p" * 200 + " "}))
    _refused(api.post("/api/projects", json={"name": "p" * 201}), "name:",
             "at most 200 characters")


def test_names_in_the_query_string_find_what_they_look_like(api: httpx.Client,
                                                            flow_id: str) -> None:
    api.post("/api/flow-runs", json={"flow_id": flow_id}).raise_for_status()

    flows = _created(api.get("/api/flows", params={"name": "etl ", "project": " p"}))
    runs = _created(api.get("/api/flow-runs", params={"flow_name": "\tetl",
                                                      "project": "p "}))

    assert [f["id"] for f in flows] == [flow_id]
    assert [r["flow_id"] for r in runs["items"]] == [flow_id]
    _refused(api.get("/api/flows", params={"name": "e\u200btl"}), "name:", "U+200B")
    _refused(api.get("/api/flow-runs", params={"project": " "}), "project:", "empty")
