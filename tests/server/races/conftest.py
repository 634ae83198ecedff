"""Fixtures of the race tests: SQLite alone, for the races only SQLite has, and a fresh
server on it whose thread pool no other test shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures_server import ServedApp, empty_tables
from fixtures_storage import free_port


@pytest.fixture
def sqlite_url(migrated_databases: dict[str, str]) -> str:
    """The session's migrated SQLite database, emptied (no PostgreSQL twin)."""
    url = migrated_databases["sqlite"]
    empty_tables(url)
    return url


@pytest.fixture
def sqlite_server(sqlite_url: str) -> Iterator[ServedApp]:
    """A new app on ``sqlite_url``, loops off, under uvicorn on a free port."""
    from caudal.server.app import create_app
    from caudal.server.settings import ServerSettings

    settings = ServerSettings(database_url=sqlite_url, port=free_port(), run_services=False)
    with ServedApp(create_app(settings), settings.port) as served:
        yield served
