"""The real server for tests: migrated databases on SQLite and PostgreSQL, and uvicorn.

``database_url`` is parametrized over a SQLite file (WAL) and the local PostgreSQL
(127.0.0.1:5432, database ``test``, in a schema of this test session's own). Each schema is
built once per session by running the Alembic migrations, and every table is emptied before
each test, as rq flushes Redis: per-test rollback would not reach the server thread's own
connections. ``server_url`` is the real app under uvicorn on a free loopback port, in a thread
(httpx's ``serve_in_thread``). A missing PostgreSQL fails the run; it never skips.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures_storage import free_port

POSTGRES_URL = os.environ.get("CAUDAL_TEST_POSTGRES_URL",
                              "postgresql+psycopg://127.0.0.1:5432/test")

# Emptied children first, so that foreign keys never object.
TABLES = ("task_run_states", "task_runs", "logs", "flow_run_states", "flow_runs", "flows",
          "flow_groups", "projects", "agents", "api_keys", "batch_keys", "secrets")


def _postgres_schema_url(schema: str) -> str:
    joiner = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A freshly migrated database per engine for the whole session: name → URL."""
    from sqlalchemy import create_engine, text

    from caudal.server.db import migrations
    from caudal.server.db.engine import Database

    sqlite_path: Path = tmp_path_factory.mktemp("db") / "caudal.db"
    schema = f"caudal_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    urls = {"sqlite": f"sqlite:///{sqlite_path}", "postgresql": _postgres_schema_url(schema)}
    for url in urls.values():
        db = Database(url)
        migrations.upgrade(db)
        db.dispose()
    try:
        yield urls
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def empty_tables(url: str) -> None:
    from sqlalchemy import text

    from caudal.server.db.engine import Database

    db = Database(url)
    with db.write() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own with no tables at all (not the session's shared one):
    a SQLite file, or a PostgreSQL schema made for the test and dropped after it."""
    from sqlalchemy import create_engine, text

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"caudal_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, migrated_databases: dict[str, str]) -> str:
    """An empty, migrated database on each engine in turn."""
    url = migrated_databases[request.param]
    empty_tables(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[object]:
    """A ``caudal.server.db.engine.Database`` on ``database_url``."""
    from caudal.server.db.engine import Database

    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def server_settings(database_url: str, tmp_path: Path) -> object:
    """Settings of a test server: loops off (tests drive ``run_once`` with their own times);
    its secrets key is made in the test's directory."""
    from caudal.server.settings import ServerSettings

    return ServerSettings(database_url=database_url, port=free_port(), run_services=False,
                          secrets_key_file=str(tmp_path / "secrets.key"))


class ServedApp:
    """An app running under uvicorn in a thread; ``url`` is where it answers."""

    def __init__(self, app: object, port: int) -> None:
        import uvicorn

        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"The test server at {self.url} did not start.")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture
def served(server_settings: object) -> Iterator[ServedApp]:
    """The real app on a free loopback port, on each database in turn."""
    from caudal.server.app import create_app

    with ServedApp(create_app(server_settings), server_settings.port) as served_app:
        yield served_app


@pytest.fixture
def server_url(served: ServedApp) -> str:
    return served.url


@pytest.fixture
def auth_served(server_settings: object) -> Iterator[ServedApp]:
    """The real app with API keys required."""
    from caudal.server.app import create_app

    settings = replace(server_settings, auth=True)
    with ServedApp(create_app(settings), settings.port) as served_app:
        yield served_app


@pytest.fixture
def api(server_url: str) -> Iterator[object]:
    """A plain ``httpx.Client`` on the test server (for tests of the raw HTTP API)."""
    import httpx

    with httpx.Client(base_url=server_url, timeout=30) as http:
        yield http


class ServerProcess:
    """``caudal server start`` as a real child process; ``url`` is where it answers."""

    def __init__(self, database_url: str, *args: str, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        # A given port restarts a server where its clients already know it.
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "caudal", "server", "start", "--port",
                        str(self.port), "--database-url", database_url, *args]
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        import httpx

        # A file, not a pipe: a server that logs a lot must never block on a full pipe.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        output = self.stop()
        raise RuntimeError(f"'caudal server start' did not become healthy:\n{output}")

    def stop(self) -> str:
        """Stop the server (SIGTERM, then SIGKILL) and return everything it printed."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __exit__(self, *exc: object) -> None:
        self.output = self.stop()


@pytest.fixture
def server_process(database_url: str) -> Iterator[ServerProcess]:
    """``caudal server start`` in a child process on each database in turn."""
    with ServerProcess(database_url) as process:
        yield process
