"""The ``caudal`` command line: one click group; each command lives in its own module.

Commands are imported only when run (or listed by ``--help``), so ``caudal flows ls`` loads
the client and never the server, and ``caudal --version`` loads neither. A command whose
module is missing from an installation is simply not offered.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

from caudal.exceptions import ClientError

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, str] = {
    "agent": "caudal.cli.agent:agent",
    "create": "caudal.cli.create:create",
    "execute": "caudal.cli.execute:execute",
    "flows": "caudal.cli.flows:flows",
    "logs": "caudal.cli.logs:logs",
    "migrate": "caudal.cli.migrate:migrate",
    "register": "caudal.cli.register:register",
    "run": "caudal.cli.run:run",
    "runs": "caudal.cli.runs:runs",
    "secrets": "caudal.cli.secrets:secrets",
    "up": "caudal.cli.up:up",
    # The server side: started, migrated and keyed by the server's own modules.
    "server": "caudal.cli.server:server",
    "db": "caudal.cli.db:db",
    "auth": "caudal.cli.auth:auth",
}
"""Each command's name and where it is defined (``module:attribute``)."""


class LazyGroup(click.Group):
    """A click group that imports each command's module only when the command is needed.

    Errors from the server (``ClientError`` and its kinds) end the command with their
    message and exit code 1, instead of a traceback.
    """

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def _available(self) -> list[str]:
        names = []
        for name, target in self.lazy_commands.items():
            module = target.partition(":")[0]
            if importlib.util.find_spec(module) is not None:
                names.append(name)
        return names

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        if importlib.util.find_spec(module_name) is None:
            return None
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"'{target}' is not a click command (it is {command!r}).")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClientError as exc:
            raise click.ClickException(str(exc)) from exc


def _version() -> str:
    from caudal import __version__

    return __version__


@click.group(cls=LazyGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="caudal", message="%(prog)s %(version)s")
def main() -> None:
    """caudal: a self-hostable workflow orchestrator for Python ETL pipelines.

    Commands that talk to a server take --api (or CAUDAL_API) and --key (or CAUDAL_API_KEY).
    """
