from __future__ import annotations


def test_health(api) -> None:
    r = api.get("/health")
    assert r.status_code == 200, r.text
    r = api.post("/api/projects", json={"name": "p"})
    assert r.status_code == 201, r.text
    r = api.get("/api/projects")
    assert r.json()[0]["name"] == "p"
