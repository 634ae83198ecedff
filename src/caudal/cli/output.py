"""How the commands print: rich tables, local times, state colours and Prefect-style log lines."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from caudal.wire.states import FAILED_STATES, SUCCESS_STATES, StateKind, kind_of

__all__ = ["format_duration", "format_log_line", "format_time", "print_table", "state_text"]

STATE_STYLES = {StateKind.PENDING: "yellow", StateKind.SUBMITTED: "cyan",
                StateKind.RUNNING: "blue"}

NON_TERMINAL_WIDTH = 200
"""Columns rich lays tables out in when stdout is a file or a pipe (ids stay whole)."""


def console() -> Console:
    """A console on standard output, wide enough for ids when stdout is not a terminal."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=NON_TERMINAL_WIDTH)
    return out


def format_time(value: datetime.datetime | None) -> str:
    """A time in this machine's zone, to the second (``2024-01-31 14:40:40``); '-' for None.

    Example:
        >>> format_time(None)
        '-'
    """
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_duration(start: datetime.datetime | None, end: datetime.datetime | None) -> str:
    """How long from ``start`` to ``end`` (``1h 02m 03s``); '-' when either is missing.

    Example:
        >>> t = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        >>> format_duration(t, t + datetime.timedelta(seconds=3723))
        '1h 02m 03s'
    """
    if start is None or end is None:
        return "-"
    seconds = max(0, int((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {seconds:02d}s"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def state_text(state: str) -> Text:
    """A state name coloured by what it means (green success, red failure...)."""
    if state in SUCCESS_STATES:
        style = "green"
    elif state in FAILED_STATES:
        style = "red"
    else:
        try:
            style = STATE_STYLES.get(kind_of(state), "")
        except KeyError:
            style = ""
    return Text(state, style=style)


def format_log_line(timestamp: datetime.datetime, level: int, name: str, message: str) -> str:
    """A log line as Prefect 0.15 prints it, in this machine's zone.

    Example:
        >>> t = datetime.datetime(2022, 10, 5, 17, 40, 40, tzinfo=datetime.UTC)
        >>> line = format_log_line(t, 20, "caudal.TaskRunner", "Task 'parse': Starting...")
        >>> line.split("] ", 1)[1]
        "INFO - caudal.TaskRunner | Task 'parse': Starting..."
    """
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    stamp = timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S%z")
    return f"[{stamp}] {logging.getLevelName(level)} - {name} | {message}"


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str | Text]]
                ) -> None:
    """Print rows as a table; cell text is shown as it is (no rich markup in it is read)."""
    table = Table(title=title, title_justify="left", header_style="bold", box=None,
                  pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell if isinstance(cell, Text) else Text(str(cell)) for cell in row))
    console().print(table)
