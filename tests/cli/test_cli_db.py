"""``caudal db upgrade`` and ``caudal db current`` on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from caudal.cli import main
from caudal.server.db import migrations
from caudal.server.db.engine import Database, normalize_url
from fixtures_client import closed_port

HEAD = migrations.head_revision()


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args))


def shown(url: str) -> str:
    """The URL as the commands print it (driver made explicit, password hidden)."""
    return normalize_url(url).render_as_string(hide_password=True)


def test_current_on_an_empty_database_says_empty_and_the_newest_revision(empty_database_url):
    result = invoke("db", "current", "--database-url", empty_database_url)

    assert result.exit_code == 0, result.output
    assert result.output == f"{shown(empty_database_url)}: revision (empty); newest {HEAD}.\n"


def test_upgrade_an_empty_database_then_again_says_it_is_already_there(empty_database_url):
    first = invoke("db", "upgrade", "--database-url", empty_database_url)
    again = invoke("db", "upgrade", "--database-url", empty_database_url)
    current = invoke("db", "current", "--database-url", empty_database_url)

    url = shown(empty_database_url)
    assert (first.exit_code, again.exit_code, current.exit_code) == (0, 0, 0)
    assert first.output == f"Upgraded {url} from revision (empty) to {HEAD}.\n"
    assert again.output == f"Database {url} is already at revision {HEAD}.\n"
    assert current.output == f"{url}: revision {HEAD}; newest {HEAD}.\n"
    database = Database(empty_database_url)
    try:
        assert migrations.current_revision(database) == HEAD
    finally:
        database.dispose()


def caudal(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m caudal ARGS`` in a child process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "caudal", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})


def test_upgrade_without_a_url_makes_the_sqlite_file_in_caudal_home(tmp_path: Path):
    home = tmp_path / "home"

    done = caudal("db", "upgrade", env={"CAUDAL_HOME": str(home)})

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Upgraded sqlite:///{home / 'caudal.db'} from revision (empty) " \
                          f"to {HEAD}.\n"
    assert (home / "caudal.db").is_file()


def test_the_database_url_can_come_from_caudal_database_url(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'from_env.db'}"

    upgraded = caudal("db", "upgrade", env={"CAUDAL_DATABASE_URL": url})
    current = caudal("db", "current", env={"CAUDAL_DATABASE_URL": url})

    assert upgraded.returncode == current.returncode == 0, upgraded.stderr + current.stderr
    assert current.stdout == f"{url}: revision {HEAD}; newest {HEAD}.\n"


@pytest.mark.parametrize(("url", "says"), [
    ("mysql://root@localhost/caudal",
     "Database URL 'mysql://root@localhost/caudal' is not supported; use sqlite:///PATH or "
     "postgresql+psycopg://USER@HOST:PORT/DB."),
    ("not a url", "Database URL 'not a url' is not a valid URL"),
])
@pytest.mark.parametrize("command", ["upgrade", "current"])
def test_a_url_that_is_not_sqlite_or_postgresql_is_refused_naming_the_option(command, url,
                                                                              says):
    result = invoke("db", command, "--database-url", url)

    assert result.exit_code == 2
    assert "Invalid value for '--database-url'" in result.output
    assert says in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("command", "verb"), [("upgrade", "upgrade"), ("current", "read")])
def test_an_unreachable_postgresql_is_named_without_its_password(command, verb):
    url = f"postgresql://etl:s3cret@127.0.0.1:{closed_port()}/caudal"

    result = invoke("db", command, "--database-url", url)

    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: Cannot {verb} the database at postgresql+psycopg://etl:***@127.0.0.1:")
    assert "OperationalError" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
