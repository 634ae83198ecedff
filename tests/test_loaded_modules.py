"""What the client side loads: the client, the views and the CLI never load the engine's runners.

Each case runs in a fresh interpreter and reads its ``sys.modules`` at exit, so a module loaded
by an earlier test cannot hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

# Writes the interpreter's modules to argv[1] at exit (a command ends in SystemExit), then
# imports argv[2] or, after "-m", runs ``caudal`` with the rest of argv as its arguments.
DRIVER = """\
import atexit, importlib, json, runpy, sys

out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
if sys.argv[2] == "-m":
    sys.argv = ["caudal", *sys.argv[3:]]
    runpy.run_module("caudal", run_name="__main__")
else:
    importlib.import_module(sys.argv[2])
"""

# What runs flows, what serves them, and the flow API: none of it is needed to read runs.
NOT_LOADED = ("caudal.engine.flow_runner", "caudal.engine.task_runner", "caudal.engine.runner",
              "caudal.engine.flow_run", "caudal.engine.results", "caudal.engine.result",
              "caudal.engine.executors", "caudal.executors", "caudal.core", "caudal.server",
              "sqlalchemy", "starlette", "uvicorn", "dask", "distributed")


def loaded_modules(tmp_path: Path, *args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules a fresh interpreter has loaded when ``DRIVER args`` ends."""
    out = tmp_path / f"modules-{uuid.uuid4().hex}.json"
    done = subprocess.run([sys.executable, "-c", DRIVER, str(out), *args],
                          capture_output=True, text=True, timeout=60)
    assert out.exists(), done.stderr
    return set(json.loads(out.read_text())), done


def unwanted(modules: set[str]) -> list[str]:
    return sorted(m for m in modules
                  if any(m == name or m.startswith(f"{name}.") for name in NOT_LOADED))


@pytest.mark.parametrize("module", ["caudal.client", "caudal.backend", "caudal.engine.state",
                                    "caudal.engine.signals", "caudal.serialization.states"])
def test_importing_the_client_side_loads_no_runner_server_or_database(module, tmp_path):
    modules, done = loaded_modules(tmp_path, module)

    assert done.returncode == 0, done.stderr
    assert unwanted(modules) == []


def test_importing_the_engine_package_loads_no_submodule(tmp_path):
    modules, _ = loaded_modules(tmp_path, "caudal.engine")

    assert sorted(m for m in modules if m.startswith("caudal.engine.")) == []


@pytest.mark.parametrize("argv", [["--help"], ["flows", "ls", "--help"], ["run", "--help"],
                                  ["logs", "--help"]])
def test_cli_help_loads_no_runner_server_or_database(argv, tmp_path):
    modules, done = loaded_modules(tmp_path, "-m", *argv)

    assert done.returncode == 0, done.stderr
    assert unwanted(modules) == []


# The commands talk to the real server; which database it stores in does not change what a
# command imports, so SQLite alone is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("argv", "exit_code", "used"), [
    (["flows", "ls"], 0, "caudal.client"),
    (["runs", "ls"], 0, "caudal.client"),
    # An unknown flow, an unknown run: each command loads what it uses and stops at the
    # server's answer.
    (["run", "--name", "no-such-flow", "--watch"], 1, "caudal.client"),
    (["logs", str(uuid.UUID(int=0))], 1, "caudal.backend"),
])
def test_cli_commands_against_a_server_load_no_runner_server_or_database(
        argv, exit_code, used, server_url, tmp_path):
    modules, done = loaded_modules(tmp_path, "-m", *argv, "--api", server_url)

    assert done.returncode == exit_code, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert used in modules
    assert unwanted(modules) == []
