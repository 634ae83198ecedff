"""The Database: URLs, transactions that commit or roll back, and concurrent writers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from caudal.server.db import models
from caudal.server.db.engine import Database, default_sqlite_url, normalize_url
from caudal.server.services.common import new_id, utcnow

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
