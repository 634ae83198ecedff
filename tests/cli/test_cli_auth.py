"""``caudal auth create-key | ls | revoke`` on real databases, and a real server that checks keys."""

from __future__ import annotations

import re
import time
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from caudal.cli import main
from caudal.server.auth import CACHE_TTL_S
from caudal.server.db import migrations
from caudal.server.db.engine import Database
from fixtures_client import closed_port

KEY = re.compile(r"cdl_[A-Za-z0-9_-]{20,}")


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args))


def create_key(url: str, role: str, *more: str) -> tuple[str, str]:
    """Run ``caudal auth create-key`` and return the key it printed and the key's id."""
    result = invoke("auth", "create-key", "--role", role, *more, "--database-url", url)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    key_id = re.search(r"\(([^)]+)\)\. It is shown only this once", result.stderr).group(1)
    return key, key_id


def test_create_key_prints_the_key_alone_on_stdout_and_the_rest_on_stderr(database_url):
    result = invoke("auth", "create-key", "--role", "runner", "--name", "etl agent",
                    "--database-url", database_url)

    assert result.exit_code == 0, result.output
    assert KEY.fullmatch(result.stdout.strip())  # `KEY=$(caudal auth create-key ...)` works
    assert re.fullmatch(r"Created runner key 'etl agent' \(\S+\)\. It is shown only this once: "
                        r"give it to the client as CAUDAL_API_KEY\.\n", result.stderr)


def test_ls_lists_keys_by_id_role_and_prefix_never_their_text(database_url):
    admin, admin_id = create_key(database_url, "admin")
    viewer, viewer_id = create_key(database_url, "viewer", "--name", "dashboards")

    result = invoke("auth", "ls", "--database-url", database_url)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[:2] for line in lines] == [[admin_id, "admin"], [viewer_id, "viewer"]]
    assert f"{admin[:10]}…  admin  created " in lines[0]
    assert f"{viewer[:10]}…  dashboards  created " in lines[1]
    assert admin not in result.output and viewer not in result.output


def test_ls_without_keys_says_how_to_make_one(database_url):
    result = invoke("auth", "ls", "--database-url", database_url)

    assert (result.exit_code, result.output) == (
        0, "No API keys. Create one with 'caudal auth create-key --role admin'.\n")


def test_revoke_removes_the_key_from_ls_and_a_second_revoke_says_so(database_url):
    _, kept_id = create_key(database_url, "viewer")
    _, key_id = create_key(database_url, "runner")

    revoked = invoke("auth", "revoke", key_id, "--database-url", database_url)
    again = invoke("auth", "revoke", key_id, "--database-url", database_url)
    listed = invoke("auth", "ls", "--database-url", database_url)

    assert (revoked.exit_code, revoked.output) == (0, f"Revoked API key {key_id}.\n")
    assert again.exit_code == 1
    assert again.output == f"Error: API key '{key_id}' does not exist or is already revoked.\n"
    assert [line.split()[0] for line in listed.output.splitlines()] == [kept_id]


def test_create_key_on_an_empty_database_brings_its_schema_up_first(empty_database_url):
    result = invoke("auth", "create-key", "--role", "admin", "--database-url",
                    empty_database_url)

    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Upgrading the database schema at ")
    assert KEY.fullmatch(result.stdout.strip())
    database = Database(empty_database_url)
    try:
        assert migrations.is_up_to_date(database)
    finally:
        database.dispose()


def _projects(served: Any, key: str) -> int:
    with httpx.Client(base_url=served.url, timeout=30,
                      headers={"Authorization": f"Bearer {key}"}) as http:
        return http.get("/api/projects").status_code


def test_a_server_accepts_a_key_made_by_the_cli_and_refuses_it_once_revoked(auth_served,
                                                                            database_url):
    key, key_id = create_key(database_url, "viewer")
    unused, unused_id = create_key(database_url, "viewer")
    assert _projects(auth_served, key) == 200

    assert invoke("auth", "revoke", unused_id, "--database-url", database_url).exit_code == 0
    assert invoke("auth", "revoke", key_id, "--database-url", database_url).exit_code == 0

    # A key the server has not seen is looked up at once; one it checked a moment ago may be
    # trusted for CACHE_TTL_S more, as 'caudal auth revoke --help' says.
    assert _projects(auth_served, unused) == 401
    deadline = time.monotonic() + CACHE_TTL_S + 2
    while _projects(auth_served, key) != 401:
        assert time.monotonic() < deadline, "a revoked key still works after the cache time"
        time.sleep(0.1)


@pytest.mark.parametrize("args", [["ls"], ["revoke", "some-id"],
                                  ["create-key", "--role", "admin"]])
def test_an_unreachable_or_unsupported_database_is_named(args):
    down = f"postgresql://etl:s3cret@127.0.0.1:{closed_port()}/caudal"

    unreachable = invoke("auth", *args, "--database-url", down)
    unsupported = invoke("auth", *args, "--database-url", "mysql://root@localhost/caudal")

    assert unreachable.exit_code == 1
    assert unreachable.output.startswith(
        "Error: Cannot open the database at postgresql+psycopg://etl:***@127.0.0.1:")
    assert "s3cret" not in unreachable.output
    assert unsupported.exit_code == 2
    assert "Invalid value for '--database-url': Database URL 'mysql://root@localhost/caudal' " \
           "is not supported" in unsupported.output
