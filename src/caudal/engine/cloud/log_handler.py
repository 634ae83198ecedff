"""SpoolLogHandler: every ``caudal`` log line of a backend run, appended to its spool.

Installed on the ``caudal`` logger for the length of the run, next to the standard output
handler: the flow runner's lines, each task's (``caudal.<task name>``, ``log_stdout``
output included) and the engine's. Each line names the task run it came from, read from
the run context of the thread that logged it.
"""

from __future__ import annotations

import datetime
import logging

from caudal.engine.cloud.spool import LOG, SpoolWriter
from caudal.utilities.context import context as _context

__all__ = ["SpoolLogHandler"]


class SpoolLogHandler(logging.Handler):
    """Appends log records to a run's spool, as the server's log lines."""

    def __init__(self, spool: SpoolWriter, flow_run_id: str, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.spool = spool
        self.flow_run_id = flow_run_id

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            task_slug = _context.get("task_slug")
            map_index = _context.get("map_index") if task_slug else None
            self.spool.append(LOG, {
                "flow_run_id": self.flow_run_id,
                "task_slug": task_slug,
                "map_index": None if map_index is None else int(map_index),
                "timestamp": datetime.datetime.fromtimestamp(record.created,
                                                             datetime.UTC).isoformat(),
                "level": record.levelno,
                "name": record.name,
                "message": message,
            })
        except Exception:
            self.handleError(record)
