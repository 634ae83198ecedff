"""``caudal logs``: a flow run's log lines, and following them as they arrive."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from caudal.cli.options import connection_options, make_client, parse_level
from caudal.cli.output import format_log_line

if TYPE_CHECKING:
    from caudal.backend import FlowRunLog

__all__ = ["echo_logs", "logs"]


def echo_logs(lines: Iterable[FlowRunLog]) -> None:
    """Print ``FlowRunLog`` lines as Prefect 0.15 prints log lines."""
    for line in lines:
        click.echo(format_log_line(line.timestamp, line.level, line.name, line.message))


@click.command()
@click.argument("flow_run_id")
@click.option("--follow", "-f", is_flag=True,
              help="Keep printing new lines until the run is finished.")
@click.option("--level", "-l", default="INFO", show_default=True, metavar="LEVEL",
              help="Only lines at this level or above (DEBUG, INFO, WARNING, ERROR, CRITICAL).")
@click.option("--poll-interval", default=1.0, hidden=True, type=float)
@connection_options
def logs(flow_run_id: str, follow: bool, level: str, poll_interval: float,
         api_url: str | None, api_key: str | None) -> None:
    """Print the log lines of flow run FLOW_RUN_ID, oldest first."""
    from caudal.backend import FlowRunView, watch_flow_run

    threshold = parse_level(level)
    with make_client(api_url, api_key) as client:
        view = FlowRunView.from_flow_run_id(flow_run_id, client=client)
        if follow:
            echo_logs(watch_flow_run(flow_run_id, stream_states=False, level=threshold,
                                     poll_interval_s=poll_interval, client=client))
        else:
            echo_logs(view.get_logs(level=threshold))
