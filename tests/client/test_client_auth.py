"""API keys end to end: the client and the CLI against a real server that requires them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from caudal.cli import main
from caudal.client import Client
from caudal.exceptions import AuthorizationError


def make_key(db, role: str) -> str:
    from caudal.server.services.api_keys import create_api_key
    from caudal.wire.auth import Role

    return create_api_key(db, f"{role} key", Role(role)).key


def test_without_a_key_the_servers_sentence_says_what_to_set(auth_served, monkeypatch):
    monkeypatch.delenv("CAUDAL_API_KEY", raising=False)

    with pytest.raises(AuthorizationError) as excinfo:
        Client(auth_served.url).list_projects()

    assert excinfo.value.status_code == 401
    assert "set CAUDAL_API_KEY" in str(excinfo.value)


def test_a_viewer_key_reads_but_may_not_create(auth_served, db):
    key = make_key(db, "viewer")
    client = Client(auth_served.url, key)

    assert client.list_projects() == []
    with pytest.raises(AuthorizationError, match="needs the 'admin' role") as excinfo:
        client.create_project("p")
    assert excinfo.value.status_code == 403
    assert key not in str(excinfo.value)


def test_cli_sends_the_key_from_option_or_environment(auth_served, db):
    key = make_key(db, "admin")
    runner = CliRunner()

    by_option = runner.invoke(main, ["create", "project", "p", "--api", auth_served.url,
                                     "--key", key])
    by_env = runner.invoke(main, ["flows", "ls"],
                           env={"CAUDAL_API": auth_served.url, "CAUDAL_API_KEY": key})
    refused = runner.invoke(main, ["flows", "ls", "--api", auth_served.url, "--key", "wrong"])

    assert by_option.exit_code == 0 and by_option.output.startswith("Created project 'p'")
    assert (by_env.exit_code, by_env.output) == (0, "No flows found.\n")
    assert (refused.exit_code, refused.output) == (
        1, "Error: The API key is not valid (unknown or revoked).\n")
