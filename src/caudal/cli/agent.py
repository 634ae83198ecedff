"""``caudal agent start``: claim due runs with these labels and run them on this machine.

``caudal agent local start`` is the same command, as Prefect 0.15 users type it.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from typing import Any

import click

from caudal.cli.options import connection_options, make_client

__all__ = ["agent"]


def _agent_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--label", "-l", "labels", multiple=True, metavar="LABEL",
                     help="A label: the agent takes runs whose labels it all has; repeat for "
                          "several."),
        click.option("--no-hostname-label", is_flag=True,
                     help="Do not add this host's name to the labels (by default it is "
                          "added, as flows stored with Local storage carry it)."),
        click.option("--limit", type=click.IntRange(1, 10_000), default=None,
                     help="Runs at once at most [default: config 'agent.limit', 8]."),
        click.option("--name", "-n", metavar="NAME", default=None,
                     help="The agent's name, shown by the server [default: this host's name]."),
        click.option("--env", "-e", "env", multiple=True, metavar="KEY=VALUE",
                     help="A variable set for every run it launches; repeat for several."),
        click.option("--health-address", metavar="HOST:PORT", default="127.0.0.1:0",
                     show_default=True,
                     help="Where the agent serves GET /health (port 0: any free port)."),
        click.option("--start-timeout", type=float, default=None, metavar="SECONDS",
                     help="A launched run not Running after this long is stopped and "
                          "failed [default: config 'agent.start_timeout_s', 60]."),
        click.option("--grace", type=float, default=None, metavar="SECONDS",
                     help="On SIGTERM, how long running runs may go on before they are "
                          "handed back [default: config 'agent.grace_s', 30]."),
        click.option("--max-runs", type=click.IntRange(1), default=None, hidden=True),
        connection_options,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE.", param_hint="'--env'")
        env[key] = value
    return env


def start_agent(labels: tuple[str, ...], no_hostname_label: bool, limit: int | None,
                name: str | None,
                env: tuple[str, ...], health_address: str, start_timeout: float | None,
                grace: float | None, max_runs: int | None, api_url: str | None,
                api_key: str | None) -> None:
    """Run an agent until SIGTERM or Ctrl-C."""
    from caudal.agent import Agent, AgentSettings, LocalLauncher
    from caudal.agent.health import HealthServer
    from caudal.client.transport import resolve_api_key
    from caudal.configuration import config

    hostname = socket.gethostname()
    all_labels = set(labels) if no_hostname_label else {*labels, hostname}
    settings = AgentSettings(
        name=name or hostname, labels=sorted(all_labels),
        limit=limit or int(config.agent.limit), env=_parse_env(env),
        start_timeout_s=float(start_timeout if start_timeout is not None
                              else config.agent.start_timeout_s),
        grace_s=float(grace if grace is not None else config.agent.grace_s),
        claim_wait_s=float(config.agent.claim_wait_s), home=str(config.home_dir),
        api_key=resolve_api_key(api_key))
    from pathlib import Path

    output_dir = Path(settings.home).expanduser() / "agent" / "output"
    with make_client(api_url, api_key) as client:
        launcher = LocalLauncher(output_dir, warm=int(config.agent.warm_processes))
        agent = Agent(client, launcher, settings)
        try:
            health = HealthServer(agent, health_address).start()
        except (OSError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="'--health-address'") from exc
        click.echo(f"Agent '{settings.name}' health: {health.url}")
        stops = {"count": 0}

        def on_signal(signum: int, frame: Any) -> None:
            stops["count"] += 1
            if stops["count"] == 1:
                agent.stop()
            else:  # asked twice: no grace
                agent.settings.grace_s = 0

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            agent.run(max_runs=max_runs)
        finally:
            health.stop()


@click.group()
def agent() -> None:
    """Run flow runs of the server on this machine."""


@agent.command("start")
@_agent_options
def start(**options: Any) -> None:
    """Start an agent: it takes due runs whose labels it has and runs each in its own
    process, never more than --limit at once, until SIGTERM or Ctrl-C."""
    start_agent(**options)


@agent.group("local")
def local() -> None:
    """The local agent (Prefect 0.15's name for 'caudal agent start')."""


@local.command("start")
@_agent_options
def local_start(**options: Any) -> None:
    """Start a local agent (the same as 'caudal agent start')."""
    start_agent(**options)
