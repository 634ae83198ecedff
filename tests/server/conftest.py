"""Fixtures of the server tests; the database and server fixtures are in tests/conftest.py.

Here ``served`` is one real server per database for the whole session (httpx's session-scoped
``serve_in_thread``), instead of one per test: starting and stopping uvicorn costs more than
most of these tests. It is safe because ``database_url`` empties every table before each test
and the app keeps no state of its own between requests. A test that needs a fresh app (its
own settings, counters or loops) starts its own ``ServedApp``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from fixtures_server import ServedApp
from fixtures_storage import free_port

from .helpers import create_project


@pytest.fixture(scope="session")
def session_servers() -> Iterator[dict[str, ServedApp]]:
    """Servers started so far, by database URL; all stopped at the end of the session."""
    servers: dict[str, ServedApp] = {}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)


@pytest.fixture
def served(database_url: str, session_servers: dict[str, ServedApp]) -> ServedApp:
    """The real app on ``database_url`` (emptied for this test), loops off."""
    from caudal.server.app import create_app
    from caudal.server.settings import ServerSettings

    server = session_servers.get(database_url)
    if server is None:
        # A fixed secrets key: the server outlives any one test's directory.
        settings = ServerSettings(database_url=database_url, port=free_port(),
                                  run_services=False, secrets_key=Fernet.generate_key().decode())
        server = ServedApp(create_app(settings), settings.port).__enter__()
        session_servers[database_url] = server
    return server


@pytest.fixture
def project(api: object) -> str:
    """The project 'pipelines', created on the test server."""
    return create_project(api)
