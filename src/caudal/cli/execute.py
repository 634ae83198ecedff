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
@click.argument("flow_run_id", metavar="ID")
@connection_options
def flow_run(flow_run_id: str, api_url: str | None, api_key: str | None) -> None:
    """Run flow run ID here: load its flow from storage, run it, report every state and log
    line to the server. Exits 0 once the run has ended (whatever its state) or when it had
    nothing to run, 1 when it could not start."""
    from caudal.engine.cloud.flow_runner import execute_flow_run

    with make_client(api_url, api_key) as client:
        code = execute_flow_run(flow_run_id, client)
    raise SystemExit(code)
