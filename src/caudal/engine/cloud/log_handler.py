"""SpoolLogHandler: every ``caudal`` log line of a backend run, appended to its spool.

Installed on the ``caudal`` logger for the length of the run, next to the standard output
handler: the flow runner's lines, each task's (``caudal.<task name>``, ``log_stdout``
output included) and the engine's. Each line names the task run it came from, read from
the run context of the thread that logged it.
"""

from __future__ import annotations

import logging

from caudal.engine.cloud.spool import LOG, SpoolWriter, cut, iso_utc, json_string
from caudal.utilities.context import context as _context

__all__ = ["SpoolLogHandler"]


class SpoolLogHandler(logging.Handler):
    """Appends log records to a run's spool, as the server's log lines
    (``wire.logs.LogLine``, written as JSON text)."""

    def __init__(self, spool: SpoolWriter, flow_run_id: str, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.spool = spool
        self.flow_run_id = flow_run_id
        self._run = json_string(flow_run_id)
        self._names: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            task_slug = _context.get("task_slug")
            if task_slug:
                map_index = _context.get("map_index")
                task = (f'"task_slug":{json_string(task_slug)},"map_index":'
                        f'{"null" if map_index is None else int(map_index)}')
            else:
                task = '"task_slug":null,"map_index":null'
            name = self._names.get(record.name)
            if name is None:
                name = self._names[record.name] = json_string(record.name)
            self.spool.append_json(LOG, (
                f'{{"flow_run_id":{self._run},{task},"timestamp":"{iso_utc(record.created)}",'
                f'"level":{int(record.levelno)},"name":{name},'
                f'"message":{json_string(cut(message))}}}'))
        except Exception:
            self.handleError(record)
