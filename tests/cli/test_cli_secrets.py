"""``caudal secrets set / ls / rm`` against the real server; values are never printed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from caudal.cli import main
from caudal.client import Client


@pytest.fixture
def cli(server_url: str):
    def run(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(main, [*args, "--api", server_url], input=stdin)

    return run


def test_set_from_stdin_and_option_then_ls_and_rm(cli, client: Client) -> None:
    from_stdin = cli("secrets", "set", "DB_PASSWORD", stdin="s3cr3t-stdin\n")
    from_option = cli("secrets", "set", "TOKEN", "--value", "tok-123")
    listed = cli("secrets", "ls")
    removed = cli("secrets", "rm", "TOKEN")
    missing = cli("secrets", "rm", "TOKEN")

    assert (from_stdin.exit_code, from_stdin.output) == (0, "Secret 'DB_PASSWORD' set.\n")
    assert from_option.exit_code == 0
    assert client.get_secret("DB_PASSWORD") == "s3cr3t-stdin"
    assert (listed.exit_code, listed.output) == (0, "DB_PASSWORD\nTOKEN\n")
    assert (removed.exit_code, removed.output) == (0, "Secret 'TOKEN' deleted.\n")
    assert missing.exit_code == 1
    assert "Secret 'TOKEN' is not set on the server" in missing.output
    assert client.list_secrets() == ["DB_PASSWORD"]
