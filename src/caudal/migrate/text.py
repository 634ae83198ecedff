"""Plain-text migration: ``PREFECT__`` variables in settings files, ``prefect`` commands in CI.

Settings files (TOML, ``.env``, Dockerfiles) are rewritten byte for byte but for the prefix of
each ``PREFECT__SECTION__KEY`` variable, since caudal reads ``CAUDAL__SECTION__KEY`` the same
way. CI files are only read: a line that runs ``prefect register`` is found here, and
``caudal.migrate.commands`` says what to run instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PREFECT_COMMANDS", "CommandLine", "find_prefect_commands", "rewrite_variables"]

# The prefix at the start of a variable name: not inside a longer word (MY_PREFECT__X) and
# followed by the rest of the name.
_VARIABLE = re.compile(rb"(?<![A-Za-z0-9_])PREFECT__(?=[A-Za-z0-9_])")

PREFECT_COMMANDS = ("agent", "auth", "backend", "build", "config", "create", "delete",
                    "describe", "diagnostics", "execute", "get", "heartbeat", "kv", "register",
                    "run", "server", "version")
"""Prefect 0.15's top-level commands (``prefect --help``)."""

# ``prefect`` as a word of its own (not ``pip install prefect==0.15.9``, not a path), one of
# its commands, then the arguments up to the end of the shell command: a separator, a quote
# (``sh 'prefect register ...'`` in a Jenkinsfile) or the end of the line.
_COMMAND = re.compile(r"(?<![\w.\-/=])prefect[ \t]+(?:" + "|".join(PREFECT_COMMANDS)
                      + r")(?![\w-])[^\n;&|'\"`)]*")


@dataclass(frozen=True)
class CommandLine:
    """A ``prefect`` command found on ``line`` (1-based) of a CI file."""

    line: int
    command: str


def rewrite_variables(content: bytes) -> bytes:
    """``content`` with every ``PREFECT__`` variable prefix made ``CAUDAL__``.

    Example:
        >>> rewrite_variables(b"ENV PREFECT__LOGGING__LEVEL=DEBUG  # MY_PREFECT__X stays\\n")
        b'ENV CAUDAL__LOGGING__LEVEL=DEBUG  # MY_PREFECT__X stays\\n'
    """
    return _VARIABLE.sub(b"CAUDAL__", content)


def find_prefect_commands(text: str) -> list[CommandLine]:
    """Every ``prefect`` command that ``text`` (a CI file) runs, in order.

    Example:
        >>> find_prefect_commands("- run: pip install prefect==0.15.9\\n"
        ...                       "- run: prefect register --project x -p flows/ && echo ok\\n")
        [CommandLine(line=2, command='prefect register --project x -p flows/')]
    """
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _COMMAND.finditer(line):
            found.append(CommandLine(number, match.group(0).rstrip()))
    return found
