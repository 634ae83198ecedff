"""The caudal command to run in place of a Prefect 0.15 one, looked up in caudal's own CLI.

``prefect agent local start`` becomes ``caudal agent local start`` when caudal's command tree
has ``agent local start``; otherwise the message says what caudal offers at that level. The
command modules are lazy and light (each imports what it runs only when run), so the look-up
loads neither the client nor the server.
"""

from __future__ import annotations

import click

__all__ = ["RENAMED", "describe_command"]

RENAMED: dict[tuple[str, ...], str] = {
    ("version",): "caudal --version",
    ("get", "flows"): "caudal flows ls",
    ("get", "flow-runs"): "caudal runs ls",
    ("get", "logs"): "caudal logs FLOW_RUN_ID",
}
"""Prefect commands whose caudal equivalent has another shape, by their leading words."""


def _words(command: str) -> list[str]:
    """The subcommand words after ``prefect``: up to the first option or argument-like word."""
    words = []
    for word in command.split()[1:]:
        if word.startswith("-"):
            break
        words.append(word)
    return words


def describe_command(command: str) -> str:
    """What to run with caudal instead of ``command`` (a line that starts ``prefect ``).

    Example:
        >>> describe_command("prefect register --project x -p pipelines/")
        "runs 'prefect register --project x -p pipelines/'; with caudal: 'caudal register --project x -p pipelines/'."
    """
    from caudal.cli import main

    words = _words(command)
    for prefix, replacement in RENAMED.items():
        if tuple(words[:len(prefix)]) == prefix:
            return f"runs '{command}'; with caudal: '{replacement}'."
    ctx = click.Context(main, info_name="caudal")
    current: click.Command = main
    path = ["caudal"]
    for word in words:
        if not isinstance(current, click.Group):
            break  # an argument of the command reached
        sub = current.get_command(ctx, word)
        if sub is None:
            offered = ", ".join(current.list_commands(ctx))
            return (f"runs '{command}'; caudal has no '{' '.join([*path, word])}' command "
                    f"('{' '.join(path)}' offers: {offered}).")
        current = sub
        path.append(word)
    return f"runs '{command}'; with caudal: 'caudal{command[len('prefect'):]}'."
