"""The command line without a server: the group, its lazy commands, options and parsing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import caudal
from caudal.cli import LazyGroup, main
from caudal.cli.options import parse_level, parse_params
from caudal.configuration import load_config
from fixtures_client import closed_port

CLIENT_COMMANDS = ["create", "flows", "logs", "register", "run", "runs", "secrets"]


def invoke(*args: str, **kwargs) -> click.testing.Result:
    return CliRunner().invoke(main, list(args), **kwargs)


def test_version_prints_caudal_and_its_version():
    result = invoke("--version")

    assert result.exit_code == 0 and result.output == f"caudal {caudal.__version__}\n"


def test_python_dash_m_caudal_runs_the_same_command_line():
    done = subprocess.run([sys.executable, "-m", "caudal", "--version"], capture_output=True,
                          text=True, timeout=60)

    assert done.returncode == 0 and done.stdout == f"caudal {caudal.__version__}\n"


def test_help_lists_every_client_command():
    result = invoke("--help")

    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines()
              if line.strip()]
    assert set(CLIENT_COMMANDS) <= set(listed)


def test_a_command_whose_module_is_missing_is_not_offered():
    group = LazyGroup(name="g", lazy_commands={"flows": "caudal.cli.flows:flows",
                                               "later": "caudal.cli.not_written_yet:later"})
    ctx = click.Context(group)

    assert group.list_commands(ctx) == ["flows"]
    assert group.get_command(ctx, "later") is None


def test_client_commands_load_neither_the_server_nor_the_server_commands():
    code = (
        "import json, sys\n"
        "from caudal.cli import main\n"
        "from caudal.exceptions import ServerUnavailable\n"
        "try:\n"
        f"    main(['flows', 'ls', '--api', 'http://127.0.0.1:{closed_port()}'],\n"
        "         standalone_mode=False)\n"
        "except Exception as exc:\n"
        "    assert 'Cannot reach' in str(exc), exc\n"
        "from caudal.cli import flows, runs, run, logs, register, create\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('caudal.server',\n"
        "     'caudal.cli.server', 'caudal.cli.db', 'caudal.cli.auth', 'sqlalchemy',\n"
        "     'uvicorn', 'fastapi')))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "CAUDAL__API__RETRIES": "0"})

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("command", [["flows", "ls"], ["runs", "ls"], ["run"], ["logs", "x"],
                                     ["register"], ["create", "project", "x"]])
def test_connection_options_name_their_environment_variables(command):
    result = invoke(*command, "--help")

    assert result.exit_code == 0
    assert "CAUDAL_API" in result.output and "CAUDAL_API_KEY" in result.output


def test_unreachable_server_ends_with_the_message_and_exit_code_1():
    url = f"http://127.0.0.1:{closed_port()}"
    with caudal.context(config=load_config({"CAUDAL__API__RETRIES": "0"})):
        result = invoke("flows", "ls", "--api", url)

    assert result.exit_code == 1
    assert result.output == (f"Error: Cannot reach the caudal server at {url} (connection "
                             "refused; 1 attempt). Is 'caudal server start' running?\n")


def test_api_url_comes_from_caudal_api_in_the_environment():
    url = f"http://127.0.0.1:{closed_port()}"
    with caudal.context(config=load_config({"CAUDAL__API__RETRIES": "0"})):
        result = invoke("runs", "ls", env={"CAUDAL_API": url})

    assert f"Cannot reach the caudal server at {url}" in result.output


def test_a_bad_api_url_is_a_usage_error_naming_the_option():
    result = invoke("flows", "ls", "--api", "ftp://x")

    assert result.exit_code == 2
    assert "Invalid value for '--api': API URL 'ftp://x' is not an http://" in result.output


def test_run_needs_a_flow_name_or_id():
    result = invoke("run", "--api", "http://127.0.0.1:1")

    assert result.exit_code == 2 and "Name the flow to run with --name NAME" in result.output


def test_register_needs_a_path_or_module():
    result = invoke("register", "--project", "p", "--api", "http://127.0.0.1:1")

    assert result.exit_code == 2 and "--path FILE_OR_FOLDER or --module MODULE" in result.output


def test_runs_ls_refuses_a_state_that_does_not_exist():
    result = invoke("runs", "ls", "--state", "Done")

    assert result.exit_code == 2 and "'Done' is not one of" in result.output


def test_params_are_json_when_they_parse_and_text_otherwise():
    assert parse_params(["n=3", "ok=true", "xs=[1, 2]", "day=2024-01-31", "name=ana", "e="]) == {
        "n": 3, "ok": True, "xs": [1, 2], "day": "2024-01-31", "name": "ana", "e": ""}


def test_param_values_may_hold_equals_signs():
    assert parse_params(["query=a=b"]) == {"query": "a=b"}


def test_params_override_params_json():
    assert parse_params(["n=2"], '{"n": 1, "m": "x"}') == {"n": 2, "m": "x"}


@pytest.mark.parametrize(("args", "message"), [
    (["--param", "novalue"], "'novalue' is not KEY=VALUE"),
    (["--params-json", "[1]"], "must be a JSON object"),
    (["--params-json", "{nope"], "not valid JSON"),
])
def test_bad_parameters_are_usage_errors_before_any_request(args, message):
    result = invoke("run", "--name", "f", "--api", f"http://127.0.0.1:{closed_port()}", *args)

    assert result.exit_code == 2 and message in result.output


def test_levels_are_names_or_numbers():
    assert [parse_level(v) for v in ("debug", "INFO", "Warning", "error", "CRITICAL", "5")] == [
        10, 20, 30, 40, 50, 5]
    with pytest.raises(click.BadParameter, match="'LOUD' is not a log level"):
        parse_level("LOUD")
