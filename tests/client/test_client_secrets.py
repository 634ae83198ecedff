"""caudal.client.Secret: local secrets first, then the server's in a server's run; JSON text
parsed as Prefect does."""

from __future__ import annotations

import pytest

import caudal
from caudal import Flow
from caudal.client import Client, Secret
from caudal.utilities.configuration import set_temporary_config


def test_get_reads_local_secret_and_parses_json() -> None:
    with caudal.context(secrets={"A": '{"user": "etl"}', "B": "plain text", "C": "42"}):
        assert Secret("A").get() == {"user": "etl"}
        assert Secret("B").get() == "plain text"
        assert Secret("C").get() == 42


def test_get_reads_secret_from_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUDAL__CONTEXT__SECRETS__FROM_ENV", "[1, 2]")

    assert Secret("FROM_ENV").get() == [1, 2]


def test_get_outside_server_run_with_missing_secret_says_where_to_set_it(
        server_url: str, client: Client) -> None:
    client.set_secret("ON_SERVER", "x")

    with pytest.raises(ValueError) as raised:
        Secret("ON_SERVER").get()

    assert "Local Secret 'ON_SERVER' was not found" in str(raised.value)
    assert "CAUDAL__CONTEXT__SECRETS__ON_SERVER" in str(raised.value)


def test_get_in_server_run_falls_back_to_server_secret(monkeypatch: pytest.MonkeyPatch,
                                                       server_url: str,
                                                       client: Client) -> None:
    monkeypatch.setenv("CAUDAL_API", server_url)
    client.set_secret("ON_SERVER", {"password": "p"})
    client.set_secret("BOTH", "server")

    with caudal.context(running_with_backend=True, secrets={"BOTH": "local"}):
        assert Secret("ON_SERVER").get() == {"password": "p"}
        assert Secret("BOTH").get() == "local"
        assert Secret("ON_SERVER").exists() is True
        with pytest.raises(KeyError, match="The secret 'NOPE' was not found"):
            Secret("NOPE").get()
        assert Secret("NOPE").exists() is False


def test_use_local_secrets_false_asks_server_outside_runs(monkeypatch: pytest.MonkeyPatch,
                                                          server_url: str,
                                                          client: Client) -> None:
    monkeypatch.setenv("CAUDAL_API", server_url)
    client.set_secret("ON_SERVER", "v")

    with set_temporary_config({"cloud.use_local_secrets": False}):
        assert Secret("ON_SERVER").get() == "v"


def test_get_while_building_a_flow_is_refused() -> None:
    with Flow("building"), caudal.context(secrets={"A": "1"}):
        with pytest.raises(ValueError, match="not while building a Flow"):
            Secret("A").get()
