"""``caudal up``: a server and a local agent on this machine, in one command.

Starts ``caudal server start`` (embedded SQLite in caudal's home unless told otherwise) and
``caudal agent start`` as child processes, registers the flow files given with ``--path``,
and with ``--run NAME`` runs that flow once through the agent, printing its states and log
lines as they happen. Then it keeps both serving until Ctrl-C (or SIGTERM), which stops the
agent first (its runs get their grace period) and then the server. With ``--once`` (or when
the ``CI`` variable is true) it stops after that first run, exiting 0 only if it succeeded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import click

from caudal.cli.options import parse_level, parse_params

__all__ = ["up"]


class _Child:
    """A caudal command running as a child process, its output in a log file."""

    def __init__(self, name: str, args: list[str], log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen([sys.executable, "-m", "caudal", *args],
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env)

    def tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def _wait_healthy(server: _Child, url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise click.ClickException(f"The server stopped at start:\n{server.tail()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise click.ClickException(f"The server did not answer at {url} within {timeout:.0f} s:\n"
                               f"{server.tail()}")


def _wait_registered(agent: _Child, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not agent.alive():
            raise click.ClickException(f"The agent stopped at start:\n{agent.tail()}")
        if "registered" in agent.log_path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise click.ClickException(f"The agent did not register within {timeout:.0f} s:\n"
                               f"{agent.tail()}")


def _register(url: str, project: str, paths: tuple[str, ...]) -> None:
    from caudal.client import Client
    from caudal.configuration import child_environment
    from caudal.exceptions import ClientError

    registering = child_environment({"api.url": url})
    with Client(url) as client:
        try:
            client.create_project(project)
        except ClientError as exc:
            if exc.status_code != 409:
                raise
    for path in paths:
        done = subprocess.run([sys.executable, "-m", "caudal", "register", "--project", project,
                               "--path", path], env=registering)
        if done.returncode != 0:
            raise click.ClickException(f"Registering '{path}' failed (see above).")


def _run_once(url: str, flow_name: str, project: str, parameters: dict[str, Any],
              level: int) -> bool:
    from caudal.backend import watch_flow_run
    from caudal.cli.logs import echo_logs
    from caudal.client import Client
    from caudal.wire.states import SUCCESS_STATES

    with Client(url) as client:
        run = client.schedule_flow_run({"flow_name": flow_name, "project": project,
                                        "parameters": parameters})
        click.echo(f"Flow run '{run.name}' of flow '{flow_name}' created ({run.id}); the "
                   "agent runs it:")
        echo_logs(watch_flow_run(run.id, level=level, poll_interval_s=0.5, client=client))
        final = client.get_flow_run(run.id)
    message = f": {final.state_message}" if final.state_message else ""
    click.echo(f"Flow run '{final.name}' finished in state {final.state}{message}")
    return final.state in SUCCESS_STATES


@click.command()
@click.option("--port", default=4200, show_default=True, type=click.IntRange(1, 65535),
              help="The server's port (on 127.0.0.1).")
@click.option("--database-url", metavar="URL", default=None,
              help="The server's database [default: CAUDAL_DATABASE_URL, else SQLite in "
                   "caudal's home].")
@click.option("--path", "paths", multiple=True, metavar="FILE",
              type=click.Path(exists=True, dir_okay=False),
              help="A flow file to register; repeat for several. The agent finds the "
                   "modules next to it, as 'caudal register' did.")
@click.option("--project", default="default", show_default=True,
              help="The project the flows are registered in.")
@click.option("--run", "run_flow", metavar="NAME",
              help="Run this flow once through the agent, and show it.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of that run; repeat for several.")
@click.option("--label", "-l", "labels", multiple=True, metavar="LABEL",
              help="An extra label for the agent; repeat for several.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None,
              help="Runs the agent runs at once at most.")
@click.option("--once", is_flag=True,
              help="Stop after the --run run (the default when CI is true); exit 0 if it "
                   "succeeded.")
@click.option("--level", default="INFO", show_default=True, metavar="LEVEL",
              help="Only log lines at this level or above.")
def up(port: int, database_url: str | None, paths: tuple[str, ...], project: str,
       run_flow: str | None, params: tuple[str, ...], labels: tuple[str, ...],
       limit: int | None, once: bool, level: str) -> None:
    """Start a server and a local agent here, register flows, run one, and keep serving
    until Ctrl-C."""
    from caudal.configuration import child_environment, config, running_in_ci

    once = once or running_in_ci()
    threshold = parse_level(level)
    parameters = parse_params(params, None)
    url = f"http://127.0.0.1:{port}"
    home = Path(str(config.home_dir)).expanduser()
    logs = home / "up"
    env = child_environment()
    # The agent's runs load flows whose tasks may live in modules beside the flow files.
    folders = [str(Path(p).resolve().parent) for p in paths]
    agent_env = {**env, "PYTHONPATH": os.pathsep.join(
        [*dict.fromkeys(folders), *filter(None, [env.get("PYTHONPATH")])])}

    stopping = {"asked": False}

    def on_signal(signum: int, frame: Any) -> None:
        if stopping["asked"]:
            return  # already stopping: a second signal must not cut the agent's grace short
        stopping["asked"] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    server_args = ["server", "start", "--port", str(port)]
    if database_url:
        server_args += ["--database-url", database_url]
    server = _Child("server", server_args, logs / "server.log", env)
    agent: _Child | None = None
    succeeded = True
    try:
        _wait_healthy(server, url)
        click.echo(f"Server:   {url}  (API docs {url}/docs; log {server.log_path})")
        click.echo(f"Web UI:   {url}/  (flows, runs, live logs; open it in a browser)")
        if paths:
            _register(url, project, paths)
        agent_args = ["agent", "start", "--api", url, "--name", "local"]
        for label in labels:
            agent_args += ["--label", label]
        if limit:
            agent_args += ["--limit", str(limit)]
        agent = _Child("agent", agent_args, logs / "agent.log", agent_env)
        _wait_registered(agent)
        click.echo(f"Agent:    'local', running flows in {os.getcwd()} (log "
                   f"{agent.log_path})")
        if run_flow:
            succeeded = _run_once(url, run_flow, project, parameters, threshold)
        if once:
            return
        click.echo(f"caudal is up at {url} (web UI {url}/); Ctrl-C stops the agent and the "
                   "server.")
        while server.alive() and agent.alive():
            time.sleep(0.5)
        dead = server if not server.alive() else agent
        raise click.ClickException(f"The {dead.name} stopped:\n{dead.tail()}")
    except KeyboardInterrupt:
        click.echo("Stopping the agent, then the server...")
    finally:
        stopping["asked"] = True
        if agent is not None:
            agent.stop(timeout=60)
        server.stop(timeout=30)
    if not succeeded:
        raise SystemExit(1)
