"""Log lines in Prefect 0.15's exact format, under ``caudal.`` logger names.

``[2022-10-05 14:40:40-0300] INFO - caudal.TaskRunner | Task 'parse_data': Starting task run...``

The ``caudal`` logger writes to standard output (as Prefect's does), at the level set by
``CAUDAL__LOGGING__LEVEL``; each component and each task logs under a child of it
(``caudal.FlowRunner``, ``caudal.TaskRunner``, ``caudal.<task name>``).
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from caudal.configuration import config

__all__ = ["CaudalFormatter", "StdoutHandler", "StdoutToLog", "ThreadStdout", "get_logger",
           "log_fast", "stdout_to_log"]

ROOT = "caudal"


class CaudalFormatter(logging.Formatter):
    """Prefect's line format with the local UTC offset (``-0300``) in the timestamp.

    The timestamp has one-second resolution, so it is formatted once per second, not once per
    line: a 10,000-task map writes 20,000 lines.
    """

    converter = time.localtime

    def __init__(self, fmt: str | None = None, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        self._cached: tuple[int, str] = (-1, "")  # one attribute: threads read it whole

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        second = int(record.created)
        cached_second, stamp = self._cached
        if second != cached_second or datefmt != self.datefmt:
            stamp = time.strftime(datefmt or self.default_time_format, self.converter(second))
            if datefmt == self.datefmt:
                self._cached = (second, stamp)
        return stamp


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at emit time, so redirections are honoured."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def handle(self, record: logging.LogRecord) -> logging.LogRecord | bool:
        """Format outside the handler's lock, then write under it.

        Tasks running in parallel threads log at once; holding the lock only for the write
        keeps them from queueing behind each other's formatting.
        """
        passed = self.filter(record)
        if not passed:
            return passed
        if isinstance(passed, logging.LogRecord):
            record = passed
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return passed
        with self.lock:  # type: ignore[union-attr]
            self._write(line, record)
        return passed

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write(self.format(record) + self.terminator, record)
        except Exception:
            self.handleError(record)

    def _write(self, line: str, record: logging.LogRecord) -> None:
        try:
            out = sys.stdout
            # Inside a log_stdout task, stdout turns prints into records: write past it.
            if type(out) is StdoutToLog or type(out) is ThreadStdout:
                out = out.original
            out.write(line)
            out.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


class StdoutToLog(io.TextIOBase):
    """A stdout replacement that turns each printed line into an INFO log record."""

    def __init__(self, logger: logging.Logger, level: int = logging.INFO) -> None:
        super().__init__()
        self.logger = logger
        self.level = level
        self.original = sys.stdout
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self.logger.log(self.level, line)
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            self.logger.log(self.level, self._pending)
        self._pending = ""

    def __exit__(self, *exc: object) -> None:
        self.flush()


class ThreadStdout(io.TextIOBase):
    """``sys.stdout`` once a ``log_stdout`` task has run: each thread's prints go to the target
    it set (its task's ``StdoutToLog``), every other thread's to the stream it replaced. One
    process-wide ``sys.stdout`` swapped per task would mix tasks running side by side."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.original = stream
        self.local = threading.local()

    def writable(self) -> bool:
        return True

    def _target(self) -> Any:
        return getattr(self.local, "target", None) or self.original

    def write(self, text: str) -> int:
        return self._target().write(text)  # type: ignore[no-any-return]

    def flush(self) -> None:
        self._target().flush()


_stdout_lock = threading.Lock()


@contextmanager
def stdout_to_log(logger: logging.Logger) -> Iterator[None]:
    """Turn this thread's printed lines into INFO records of ``logger`` for the block."""
    with _stdout_lock:
        if not isinstance(sys.stdout, ThreadStdout):
            sys.stdout = ThreadStdout(sys.stdout)
        proxy = sys.stdout
    previous = getattr(proxy.local, "target", None)
    target = proxy.local.target = StdoutToLog(logger)
    target.original = proxy.original
    try:
        yield
    finally:
        target.flush()
        proxy.local.target = previous


def _configure_root() -> logging.Logger:
    logger = logging.getLogger(ROOT)
    if not any(isinstance(h, StdoutHandler) for h in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(CaudalFormatter(config.logging.format, config.logging.datefmt))
        if config.logging.log_to_stdout:
            logger.addHandler(handler)
    level = str(config.logging.level).upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(
            f"Config 'logging.level' has value '{config.logging.level}'; "
            "not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
        )
    logger.setLevel(level)
    return logger


_root = _configure_root()


def log_fast(logger: logging.Logger, level: int, msg: str, *args: object) -> None:
    """Log ``msg % args`` like ``logger.log`` but without looking up the caller's frame.

    The engine writes two lines per task run; ``logger.info`` spends most of its time finding
    the calling file and line, which caudal's format never shows. Handlers, filters and levels
    work as usual.
    """
    if not logger.isEnabledFor(level):
        return
    record = logging.LogRecord(logger.name, level, __file__, 0, msg, args, None)
    logger.handle(record)


def get_logger(name: str | None = None) -> logging.Logger:
    """The ``caudal`` logger, or its child ``caudal.<name>``."""
    if name is None:
        return _root
    return _root.getChild(name)
