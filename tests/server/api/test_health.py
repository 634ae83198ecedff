"""/health: the server, its database and its loops."""

from __future__ import annotations

import time
from dataclasses import replace

import httpx

from caudal.server.app import create_app
from fixtures_server import ServedApp


def test_health_is_ok_with_loops_off(api: httpx.Client, database_url: str) -> None:
    response = api.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert body["version"]
    assert body["services"] == {
        "Scheduler": {"alive": True, "running": False, "interval_s": 5.0},
        "Reaper": {"alive": True, "running": False, "interval_s": 10.0}}


def test_health_reports_running_loops(server_settings: object) -> None:
    settings = replace(server_settings, run_services=True, scheduler_interval_s=0.1,
                       reaper_interval_s=0.1)
    with ServedApp(create_app(settings), settings.port) as served, \
            httpx.Client(base_url=served.url, timeout=10) as http:
        deadline = time.monotonic() + 10
        while True:
            body = http.get("/health").json()
            passes = [s.get("passes", 0) for s in body["services"].values()]
            if min(passes) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.05)

    assert body["status"] == "ok"
    for name in ("Scheduler", "Reaper"):
        service = body["services"][name]
        assert service["alive"] is True
        assert service["running"] is True
        assert service["interval_s"] == 0.1
        assert service["passes"] >= 2
        assert service["last_success"] is not None
        assert service["last_error"] is None
