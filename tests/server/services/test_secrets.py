"""Secrets on SQLite and PostgreSQL: stored encrypted, values shown only to runners and admins,
never in an error; one row per name however many set it at once."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from caudal.client import Client
from caudal.exceptions import AuthorizationError, ObjectNotFound
from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import Misconfigured, NotFound
from caudal.server.secret_box import SecretBox
from caudal.server.services import secrets
from caudal.server.services.api_keys import create_api_key
from caudal.wire.auth import Role

from ..races.crowd import crowd

VALUE = "pa55-w0rd-Zq8"


def _stored(db: Database) -> list[tuple[str, str]]:
    with db.read() as conn:
        return [tuple(row) for row in conn.execute(select(models.secrets.c.name,
                                                          models.secrets.c.value))]


def test_set_secret_stores_ciphertext_not_the_value(db: Database, tmp_path: Path) -> None:
    box = SecretBox(key_file=tmp_path / "key")

    secrets.set_secret(db, box, "DB_PASSWORD", VALUE)

    [(name, stored)] = _stored(db)
    assert name == "DB_PASSWORD"
    assert VALUE not in stored
    assert VALUE.encode() not in stored.encode()
    assert secrets.read_secret(db, box, "DB_PASSWORD") == VALUE


def test_set_secret_again_replaces_value_keeps_created(db: Database, tmp_path: Path) -> None:
    box = SecretBox(key_file=tmp_path / "key")
    first = secrets.set_secret(db, box, "TOKEN", "one")

    second = secrets.set_secret(db, box, "TOKEN", "two")

    assert second.created == first.created
    assert second.updated >= first.updated
    assert secrets.read_secret(db, box, "TOKEN") == "two"
    assert [info.name for info in secrets.list_secrets(db)] == ["TOKEN"]


def test_key_file_is_made_once_with_mode_0600(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "home" / "secrets.key"
    secrets.set_secret(db, SecretBox(key_file=path), "A", VALUE)

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secrets.read_secret(db, SecretBox(key_file=path), "A") == VALUE


def test_read_secret_with_wrong_key_says_so_without_value(db: Database, tmp_path: Path) -> None:
    secrets.set_secret(db, SecretBox(Fernet.generate_key().decode()), "A", VALUE)

    with pytest.raises(Misconfigured) as raised:
        secrets.read_secret(db, SecretBox(Fernet.generate_key().decode()), "A")

    assert "Secret 'A' cannot be decrypted with this server's secrets key" in raised.value.detail
    assert VALUE not in raised.value.detail


def test_secret_without_key_is_refused_saying_how_to_set_one(db: Database) -> None:
    with pytest.raises(Misconfigured) as raised:
        secrets.set_secret(db, SecretBox(), "A", VALUE)

    assert "The server has no secrets key" in raised.value.detail
    assert "CAUDAL__SERVER__SECRETS_KEY" in raised.value.detail
    assert _stored(db) == []


def test_malformed_key_is_refused_saying_so(db: Database) -> None:
    with pytest.raises(Misconfigured, match="is not a Fernet key"):
        secrets.set_secret(db, SecretBox("not-a-key"), "A", VALUE)


def test_read_and_delete_unknown_secret_is_not_found(db: Database, tmp_path: Path) -> None:
    box = SecretBox(key_file=tmp_path / "key")
    with pytest.raises(NotFound, match="Secret 'NOPE' is not set on the server"):
        secrets.read_secret(db, box, "NOPE")
    with pytest.raises(NotFound):
        secrets.delete_secret(db, "NOPE")


# --- over HTTP, with roles ---------------------------------------------------------------------


def _client(served: Any, role: Role) -> Client:
    key = create_api_key(served.app.state.db, f"test {role.value}", role).key
    return Client(served.url, api_key=key, retries=0)


def test_roles_viewer_lists_runner_reads_admin_sets_and_deletes(auth_served: Any) -> None:
    viewer, runner, admin = (_client(auth_served, role)
                             for role in (Role.VIEWER, Role.RUNNER, Role.ADMIN))
    admin.set_secret("DB_PASSWORD", VALUE)
    admin.set_secret("SETTINGS", {"user": "etl"})

    assert viewer.list_secrets() == ["DB_PASSWORD", "SETTINGS"]
    with pytest.raises(AuthorizationError) as refused:
        viewer.get_secret("DB_PASSWORD")
    assert refused.value.status_code == 403
    with pytest.raises(AuthorizationError):
        viewer.set_secret("DB_PASSWORD", "other")
    with pytest.raises(AuthorizationError):
        runner.set_secret("DB_PASSWORD", "other")
    with pytest.raises(AuthorizationError):
        runner.delete_secret("DB_PASSWORD")
    assert runner.get_secret("DB_PASSWORD") == VALUE
    assert runner.get_secret("SETTINGS") == '{"user": "etl"}'
    assert admin.get_secret("DB_PASSWORD") == VALUE

    assert admin.delete_secret("DB_PASSWORD") is True
    with pytest.raises(ObjectNotFound, match="Secret 'DB_PASSWORD' is not set on the server"):
        runner.get_secret("DB_PASSWORD")
    assert viewer.list_secrets() == ["SETTINGS"]


def test_secret_list_never_holds_values(api: httpx.Client) -> None:
    put = api.put("/api/secrets/A", json={"value": VALUE})
    assert put.status_code == 200, put.text

    listed = api.get("/api/secrets")

    assert listed.status_code == 200
    assert [item["name"] for item in listed.json()] == ["A"]
    assert VALUE not in listed.text


def test_secret_value_is_not_logged(api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    api.put("/api/secrets/A", json={"value": VALUE})
    api.get("/api/secrets/A")
    api.put("/api/secrets/B", json={"value": VALUE, "extra": 1})  # refused: 422

    assert VALUE not in caplog.text


def test_secret_name_with_slash_and_spaces_round_trips(server_url: str) -> None:
    client = Client(server_url, retries=0)

    client.set_secret("my secret/1", "x")

    assert client.get_secret("my secret/1") == "x"
    assert client.list_secrets() == ["my secret/1"]


def test_concurrent_puts_of_one_name_give_one_row_and_no_500(served: Any) -> None:
    statuses: list[int] = []

    def put(client: httpx.Client, worker: int, round_: int) -> None:
        response = client.put("/api/secrets/SHARED", json={"value": f"v{worker}-{round_}"})
        statuses.append(response.status_code)

    crowd(8, 3, put, lambda worker: httpx.Client(base_url=served.url, timeout=60))

    assert set(statuses) == {200}
    rows = _stored(served.app.state.db)
    assert [name for name, _ in rows] == ["SHARED"]
    with httpx.Client(base_url=served.url) as http:
        assert http.get("/api/secrets/SHARED").json()["value"].startswith("v")


def test_server_with_another_key_answers_500_naming_the_problem(
        server_settings: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    from caudal.server.app import create_app
    from fixtures_server import ServedApp

    first = replace(server_settings, secrets_key=Fernet.generate_key().decode())
    with ServedApp(create_app(first), first.port) as served:
        Client(served.url, retries=0).set_secret("DB_PASSWORD", VALUE)
    second = replace(server_settings, secrets_key=Fernet.generate_key().decode())
    with ServedApp(create_app(second), second.port) as served, \
            httpx.Client(base_url=served.url) as http:
        response = http.get("/api/secrets/DB_PASSWORD")

    assert response.status_code == 500
    assert response.json()["detail"].startswith(
        "Secret 'DB_PASSWORD' cannot be decrypted with this server's secrets key")
    assert VALUE not in response.text
