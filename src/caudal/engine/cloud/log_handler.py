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

__all__ = ["SpoolLogHandler", "task_fields"]

_TASK_FIELDS = "_spool_task_fields"
"""The context key under which ``task_fields`` keeps its answer for the task run."""


def task_fields(flow_run_id: str) -> tuple[str, int | None]:
    """The JSON members naming the flow run and the task this thread runs (``flow_run_id``
    and ``task_slug``, null outside a task), and its map index (None when not mapped), as
    the server's records start; kept in the task run's context, so that its every state and
    log line finds them with one lookup."""
    fields = _context.get(_TASK_FIELDS)
    if fields is None:
        task_slug = _context.get("task_slug")
        if task_slug:
            map_index = _context.get("map_index")
            fields = (f'"flow_run_id":{json_string(flow_run_id)},'
                      f'"task_slug":{json_string(task_slug)}',
                      None if map_index is None else int(map_index))
            _context[_TASK_FIELDS] = fields
        else:  # not in a task run: made again each time (flow-level lines are few)
            fields = (f'"flow_run_id":{json_string(flow_run_id)},"task_slug":null', None)
    return fields


class SpoolLogHandler(logging.Handler):
    """Appends log records to a run's spool, as the server's log lines
    (``wire.logs.LogLine``, written as JSON text)."""

    def __init__(self, spool: SpoolWriter, flow_run_id: str, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.spool = spool
        self.flow_run_id = flow_run_id
        self._names: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            name = self._names.get(record.name)
            if name is None:
                name = self._names[record.name] = json_string(record.name)
            fields, map_index = task_fields(self.flow_run_id)
            self.spool.append_json(LOG, (
                f'{{{fields},"map_index":{"null" if map_index is None else map_index},'
                f'"timestamp":"{iso_utc(record.created)}","level":{int(record.levelno)},'
                f'"name":{name},"message":{json_string(cut(message))}}}'))
        except Exception:
            self.handleError(record)
