"""The error guard: an unexpected error is one 500 with an id, logged once, and the client's
keep-alive connection stays usable."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from caudal.server.app import create_app
from caudal.server.db import migrations
from caudal.server.db.engine import Database
from caudal.server.settings import ServerSettings
from fixtures_server import ServedApp
from fixtures_storage import free_port

from .helpers import build_flow, create_project, create_run, register


@pytest.fixture
def broken_served(empty_database_url: str) -> Iterator[ServedApp]:
    """A server on a database of its own whose ``logs`` table is gone: writing a log line
    fails inside the database with an error no handler expects."""
    db = Database(empty_database_url)
    migrations.upgrade(db)
    with db.write() as conn:
        conn.execute(text("DROP TABLE logs"))
    settings = ServerSettings(database_url=empty_database_url, port=free_port(),
                              run_services=False)
    with ServedApp(create_app(settings, db), settings.port) as served:
        yield served
    db.dispose()


def test_unexpected_error_is_one_500_with_an_id_and_the_connection_stays_usable(
        broken_served: ServedApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with httpx.Client(base_url=broken_served.url, timeout=30) as http:
        create_project(http, "p")
        run_id = create_run(http, flow_id=register(http, build_flow(), "p")["flow_id"])["id"]
        line = {"flow_run_id": run_id, "timestamp": "2026-12-06T12:00:00Z", "level": 20,
                "message": "m"}
        broken = http.post("/api/logs", json=[line])
        after = http.get("/api/projects")  # on the same keep-alive connection

    assert broken.status_code == 500
    error_id = broken.json()["error_id"]
    assert broken.json()["detail"] == (f"Internal server error (error id {error_id}); the "
                                       "server log has the traceback under this id.")
    assert "close" not in broken.headers.get("connection", "")
    assert after.status_code == 200 and [p["name"] for p in after.json()] == ["p"]
    mentions = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(mentions) == 1 and mentions[0].exc_info is not None
    assert mentions[0].getMessage() == f"Unexpected error {error_id} answering POST /api/logs"
    assert not [r for r in caplog.records if "Exception in ASGI" in r.getMessage()]
