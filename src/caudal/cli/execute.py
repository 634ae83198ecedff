"""``caudal execute flow-run ID``: run one flow run of the server in this process.

What an agent launches for each run it claims; also usable by hand, to run a run where you
are (the run must still be waiting: Scheduled or Submitted).
"""

from __future__ import annotations

import click

from caudal.cli.options import connection_options, make_client

__all__ = ["execute"]


@click.group()
def execute() -> None:
    """Run work of the server in this process."""


@execute.command("flow-run")
@click.argument("flow_run_id", metavar="ID", required=False)
@click.option("--from-stdin", is_flag=True, hidden=True,
              help="Load everything, then read the run to execute from standard input: one "
                   "JSON line with flow_run_id, env and working_dir (an agent's warm process).")
@connection_options
def flow_run(flow_run_id: str | None, from_stdin: bool, api_url: str | None,
             api_key: str | None) -> None:
    """Run flow run ID here: load its flow from storage, run it, report every state and log
    line to the server. Exits 0 once the run has ended (whatever its state) or when it had
    nothing to run, 1 when it could not start."""
    from caudal.engine.cloud.flow_runner import execute_flow_run

    if not flow_run_id and not from_stdin:
        raise click.UsageError("Name the flow run to execute: caudal execute flow-run ID.")
    with make_client(api_url, api_key) as client:
        if from_stdin:
            flow_run_id = _assignment()
            if flow_run_id is None:
                return  # the agent no longer needs this process
        code = execute_flow_run(str(flow_run_id), client)
    raise SystemExit(code)


def _assignment() -> str | None:
    """Wait for the agent to hand this warm process a run; its id, or None at end of input."""
    import importlib
    import json
    import sys

    # What every run needs, loaded while the process waits rather than once a run is due.
    for module in ("caudal.core.flow", "caudal.core.task", "caudal.engine.flow_run",
                   "caudal.engine.cloud.task_runner", "caudal.engine.results",
                   "caudal.executors", "caudal.storage", "caudal.storage.local",
                   "caudal.wire.runs", "cloudpickle",
                   # The run's context datetimes are pendulum's.
                   "pendulum"):
        importlib.import_module(module)

    line = sys.stdin.readline()
    if not line.strip():
        return None
    # The run config's env and working directory are applied by execute_flow_run.
    return str(json.loads(line)["flow_run_id"])
