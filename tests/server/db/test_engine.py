"""The Database: URLs, transactions that commit or roll back, and concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from caudal.server.db import models
from caudal.server.db.engine import Database, default_sqlite_url, normalize_url
from caudal.server.services.common import new_id, utcnow
from fixtures_server import POSTGRES_URL

from ..helpers import run_together

projects = models.projects


def _project(name: str) -> dict:
    return {"id": new_id(), "name": name, "description": None, "created": utcnow()}


def _count(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(projects)).scalar()


def test_postgresql_url_means_psycopg_3() -> None:
    assert normalize_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_unsupported_url_is_refused_without_its_password() -> None:
    with pytest.raises(ValueError, match="is not supported") as caught:
        normalize_url("mysql://user:secret@host/db")

    assert "secret" not in str(caught.value)


def test_display_url_hides_password() -> None:
    db = Database("postgresql://user:secret@127.0.0.1:5432/test")
    try:
        assert db.display_url == "postgresql+psycopg://user:***@127.0.0.1:5432/test"
    finally:
        db.dispose()


def test_default_sqlite_url_is_in_home(tmp_path: Path) -> None:
    assert default_sqlite_url(tmp_path) == f"sqlite:///{tmp_path / 'caudal.db'}"


def test_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'sub' / 'caudal.db'}")
    try:
        with db.read() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.dispose()


def test_write_commits_at_end_of_block(db: Database) -> None:
    with db.write() as conn:
        conn.execute(projects.insert(), _project("kept"))

    assert _count(db) == 1


def test_write_that_raises_rolls_back(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as conn:
        conn.execute(projects.insert(), _project("lost"))
        raise RuntimeError("half-way")

    assert _count(db) == 0


def test_writers_on_separate_databases_at_once_all_commit(
        database_url: str, db: Database) -> None:
    databases = [Database(database_url) for _ in range(4)]

    def write(i: int, database: Database) -> None:
        for j in range(15):
            with database.write() as conn:
                # Read, then write: the pattern that fails with "database is locked" when
                # a deferred SQLite transaction tries to upgrade to a writer.
                conn.execute(select(func.count()).select_from(projects)).scalar()
                conn.execute(projects.insert(), _project(f"p-{i}-{j}"))

    errors = run_together(write, databases)

    assert errors == []
    assert _count(db) == 60


def test_unreachable_postgresql_is_unavailable_and_a_bad_query_is_not() -> None:
    from fixtures_storage import free_port

    closed = Database(f"postgresql+psycopg://127.0.0.1:{free_port()}/test")
    with pytest.raises(Exception) as refused:
        with closed.read() as conn:
            conn.execute(text("SELECT 1"))
    closed.dispose()
    live = Database(POSTGRES_URL)
    with pytest.raises(Exception) as bad_query:
        with live.read() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
    live.dispose()

    assert live.is_unavailable(refused.value)
    assert live.is_unavailable(refused.value.orig)  # the driver's own error, as COPY raises it
    assert not live.is_unavailable(bad_query.value)
    assert not live.is_retryable(bad_query.value)
    assert live.is_database_error(bad_query.value) and not live.is_database_error(KeyError())
    # Asked directly: the unreachable database is down, the live one is not.
    assert closed.is_down() and not live.is_down()


def test_deadlock_loser_is_run_again_inside_the_server(database_url: str) -> None:
    """Two transactions that lock two rows in opposite orders: PostgreSQL aborts one, and
    ``retrying`` runs it again, so both callers succeed."""
    dbs = [Database(database_url) for _ in range(2)]
    ids = [new_id(), new_id()]
    with dbs[0].write() as conn:
        for i, project_id in enumerate(ids):
            conn.execute(models.projects.insert(), {**_project(f"p{i}"), "id": project_id})
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = [0, 0]

    def lock_in_order(i: int, database: Database) -> None:
        def transaction() -> None:
            attempts[i] += 1
            order = ids if i == 0 else ids[::-1]
            with database.write() as conn:
                for step, project_id in enumerate(order):
                    conn.execute(models.projects.update()
                                 .where(models.projects.c.id == project_id)
                                 .values(description=f"by {i}"))
                    if step == 0 and attempts[i] == 1 and not database.is_sqlite:
                        both_hold_one.wait()  # first attempts only: the deadlock happens once
        database.retrying(transaction)

    errors = run_together(lock_in_order, dbs)

    assert errors == []
    if not dbs[0].is_sqlite:  # SQLite's one writer cannot deadlock
        assert sorted(attempts) == [1, 2]
