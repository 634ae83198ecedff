"""Migrations: an empty database upgraded to head has exactly the tables of db/models.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from caudal.server.db import migrations, models
from caudal.server.db.engine import Database
from fixtures_server import ServedApp
from fixtures_storage import free_port


@pytest.fixture
def empty_db(empty_database_url: str) -> Iterator[Database]:
    database = Database(empty_database_url)
    yield database
    database.dispose()


def _differences(db: Database) -> list[object]:
    with db.read() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, models.metadata)


def test_upgrade_of_empty_database_builds_exactly_the_models(empty_db: Database) -> None:
    # The comparison sees a difference where there is one: every table is missing.
    missing = {diff[1].name for diff in _differences(empty_db) if diff[0] == "add_table"}
    assert missing == set(models.metadata.tables)

    migrations.upgrade(empty_db)

    assert _differences(empty_db) == []


def test_head_revision_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations.HERE))
    assert migrations.head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_is_up_to_date_only_after_upgrade(empty_db: Database) -> None:
    assert migrations.current_revision(empty_db) is None
    assert not migrations.is_up_to_date(empty_db)

    migrations.upgrade(empty_db)

    assert migrations.current_revision(empty_db) == migrations.head_revision()
    assert migrations.is_up_to_date(empty_db)


def test_upgrade_twice_changes_nothing(empty_db: Database) -> None:
    migrations.upgrade(empty_db)
    migrations.upgrade(empty_db)

    assert migrations.is_up_to_date(empty_db)
    assert _differences(empty_db) == []


def test_app_upgrades_empty_database_at_start(empty_database_url: str) -> None:
    import httpx

    from caudal.server.app import create_app
    from caudal.server.settings import ServerSettings

    settings = ServerSettings(database_url=empty_database_url, port=free_port(), run_services=False)
    with ServedApp(create_app(settings), settings.port) as served:
        response = httpx.post(f"{served.url}/api/projects", json={"name": "first"})
        assert response.status_code == 201, response.text

    db = Database(empty_database_url)
    try:
        assert migrations.is_up_to_date(db)
        with db.read() as conn:
            tables = set(inspect(conn).get_table_names())
        assert set(models.metadata.tables) <= tables
    finally:
        db.dispose()
