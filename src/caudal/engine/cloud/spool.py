"""The spool: a run's task states and log lines, kept on disk until the server has them.

A backend run never sends a record straight to the server. ``SpoolWriter.append`` writes it
as one line to a file of the run's spool directory (``CAUDAL_HOME/spool/<flow run id>``) and
returns: a task never waits for the network. ``Shipper`` reads the files from where the
server's last acknowledgement left off and sends their records in batches; only what the
server acknowledged is marked as sent (in a ``.ack`` file beside each spool file). If the
run's process dies, whatever it wrote is still in its files, and the agent ships it.

Each process writing to the spool has a file of its own (a forked executor worker opens its
own), and each record a sequence number in its file. A line is the record's kind (``S``
state, ``L`` log line, ``F`` final state), its sequence number, a tab and the record as
JSON: the reader forwards that JSON to the server as it is, never decoding it, so shipping
costs the run next to nothing. Records are sent by window: the next records of a file, up to
``MAX_BATCH`` (a window ends before the final state, which goes alone). Before a window is
sent, where it ends is written beside the file, so the window never changes, even for a
reader that starts again after a crash; its task states go in one request and its log
lines in another, each with an ``Idempotency-Key`` made of the file, the window's first
sequence number and the kind. A window sent again, after a lost answer or by the agent after
the run's process died, is the same two batches to the server, which stores each once.

This module imports nothing from the engine or the network: the agent uses it to ship what a
dead run left, and any object with the client's two batch calls can receive the records.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, Protocol

__all__ = ["FLOW", "LOG", "STATE", "Shipper", "SpoolReader", "SpoolWriter", "iso_utc",
           "json_string", "spool_dir"]

LOG = "log"
"""A log line (``wire.logs.LogLine``)."""
STATE = "state"
"""A task run's state (``wire.runs.TaskRunState``)."""
FLOW = "flow"
"""The flow run's final state (``flow_run_id``, ``state``, ``message``): the spool's last
record, so that the run ends on the server only after everything it reported."""
SUFFIX = ".spool"
ACK_SUFFIX = ".ack"
MAX_BATCH = 2000
"""Records in one batch at most."""
MAX_BATCH_BYTES = 4_000_000
"""Bytes of records in one batch at most (one record may pass it alone)."""
MAX_MESSAGE = 100_000
"""Characters of a message kept; longer ones are cut with a note of how much was cut."""
ACK_WIDTH = 160
"""Bytes of an ``.ack`` file: rewritten in place, always this long (padded with spaces)."""
_MARK = {STATE: "S", LOG: "L", FLOW: "F"}
"""The first character of a line, by kind."""
_ENCODER = json.JSONEncoder(default=str, separators=(",", ":"))
_PREFIX = re.compile(rb"[SLF](\d+)\t")


def spool_dir(home: str | os.PathLike[str], flow_run_id: str) -> Path:
    """Where the spool of a flow run lives under a caudal home directory."""
    return Path(home).expanduser() / "spool" / flow_run_id


def cut(message: str) -> str:
    """``message``, cut to ``MAX_MESSAGE`` characters with a note of how much was cut."""
    if len(message) <= MAX_MESSAGE:
        return message
    return message[:MAX_MESSAGE - 60] + f"... [{len(message) - MAX_MESSAGE + 60} characters cut]"


json_string: Callable[[str], str] = encode_basestring_ascii
"""``text`` as a JSON string (quoted, escaped, ASCII): records are written as JSON text
directly, a few microseconds cheaper than a dict given to ``json.dumps``."""


_second: tuple[int, str] = (-1, "")


def iso_utc(timestamp: float) -> str:
    """A POSIX timestamp as ISO 8601 in UTC (``2026-12-06T10:33:06.108881+00:00``), the
    date and time formatted once per second."""
    global _second
    whole = int(timestamp)
    second, text = _second
    if whole != second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _second = (whole, text)
    return f"{text}.{int((timestamp - whole) * 1_000_000):06d}+00:00"


_writers: weakref.WeakSet[SpoolWriter] = weakref.WeakSet()


def _writers_after_fork() -> None:
    for writer in list(_writers):
        writer._forked()


os.register_at_fork(after_in_child=_writers_after_fork)


class SpoolWriter:
    """Appends records to this process's file in a run's spool directory.

    Every record is written with one ``write`` call before ``append`` returns, so a record
    appended is on disk (in the page cache) even if the process is killed the next moment.
    A process forked from the writer's (a process pool) gets a file of its own on its first
    append, and so does one the writer is sent to pickled. ``on_append`` is called after each
    append in the process that made the writer (the shipper's wake-up).
    """

    def __init__(self, directory: str | os.PathLike[str],
                 on_append: Callable[[], None] | None = None) -> None:
        self.directory = Path(directory)
        self.on_append = on_append
        self._lock = threading.Lock()
        self._fd = -1
        self._seq = 0
        _writers.add(self)

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process (a pool's worker): it opens a file of its own there.
        return {"directory": self.directory}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["directory"])  # type: ignore[misc]

    def _forked(self) -> None:
        # In a forked child: the parent's file, lock and shipper are not this process's.
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
        self._seq = 0
        self._lock = threading.Lock()
        self.on_append = None

    @property
    def appended(self) -> int:
        """How many records this process appended."""
        return self._seq

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}{SUFFIX}"
        self._fd = os.open(self.directory / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._seq = 0

    def append(self, kind: str, record: dict[str, Any]) -> None:
        """Write one record (``LOG``, ``STATE`` or ``FLOW``) to the spool."""
        message = record.get("message")
        if isinstance(message, str) and len(message) > MAX_MESSAGE:
            record["message"] = cut(message)
        self.append_json(kind, _ENCODER.encode(record))

    def append_json(self, kind: str, body: str) -> None:
        """Write one record given as JSON text (one line: no raw newline, as ``json.dumps``
        and ``json_string`` write it), its message already cut."""
        mark = _MARK[kind]
        with self._lock:
            if self._fd < 0:
                self._open()
            self._seq += 1
            os.write(self._fd, f"{mark}{self._seq}\t{body}\n".encode())
        if self.on_append is not None:
            self.on_append()

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
            self._fd = -1


class BatchSink(Protocol):
    """Where shipped records go: ``caudal.Client`` is one."""

    def write_run_logs(self, logs: list[dict[str, Any]] | bytes,
                       idempotency_key: str | None = None) -> int: ...

    def set_task_run_states(self, batch: list[dict[str, Any]] | bytes,
                            idempotency_key: str | None = None) -> int: ...

    def set_flow_run_state(self, flow_run_id: str, state: Any, version: int | None = None,
                           message: str | None = None) -> Any: ...


class _Window:
    """Whole lines of a spool file that go together, sorted by kind: the task states' and
    log lines' JSON as written (or the final state's, alone), the first and last sequence
    numbers, and the file offset just past them."""

    __slots__ = ("states", "logs", "final", "count", "first", "last", "end")

    def __init__(self, lines: list[bytes], start: int, seq: int) -> None:
        self.states: list[bytes] = []
        self.logs: list[bytes] = []
        self.final: bytes | None = None
        size = count = 0
        for line in lines:  # one pass, no per-line regex: a window has thousands
            kind = line[:1]
            if kind == b"F":
                if count == 0:  # the final state goes alone
                    self.final = line.partition(b"\t")[2]
                    size, count = len(line) + 1, 1
                break  # ... and nothing goes with it
            if kind == b"S":
                self.states.append(line.partition(b"\t")[2])
            elif kind == b"L":
                self.logs.append(line.partition(b"\t")[2])
            # Any other line no writer made whole (a disk full mid-line): it is skipped.
            size += len(line) + 1
            count += 1
        self.count = count
        self.end = start + size
        self.first = self.last = seq + 1
        if count:
            found = _PREFIX.match(lines[0])
            self.first = int(found[1]) if found else seq + 1
            found = _PREFIX.match(lines[count - 1])
            self.last = int(found[1]) if found else self.first + count - 1

    @property
    def unreadable(self) -> int:
        return self.count - len(self.states) - len(self.logs) - (self.final is not None)


class _File:
    """One spool file, read from its acknowledged position."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ack_path = path.with_suffix(ACK_SUFFIX)
        self.offset = 0
        """The file offset just past the last acknowledged line."""
        self.seq = 0
        """The last acknowledged sequence number."""
        self.window_end: int | None = None
        """The end offset of the window being sent (None: none is)."""
        try:
            acked = json.loads(self.ack_path.read_bytes())
            self.offset, self.seq = int(acked["offset"]), int(acked["seq"])
            window_end = acked.get("window_end")
            self.window_end = None if window_end is None else int(window_end)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        self._data = b""
        """Whole lines read from ``offset`` on, not yet acknowledged."""

    def _read(self) -> bytes:
        """The unacknowledged whole lines (about ``MAX_BATCH_BYTES`` or more of them)."""
        if len(self._data) >= MAX_BATCH_BYTES:
            return self._data
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset + len(self._data))
                more = handle.read(MAX_BATCH_BYTES)
                while b"\n" not in more and len(more) % MAX_BATCH_BYTES == 0 and more:
                    chunk = handle.read(MAX_BATCH_BYTES)  # a line longer than a read
                    if not chunk:
                        break
                    more += chunk
        except FileNotFoundError:
            return self._data
        # Whole lines only: the last one may be being written (or was cut by a kill).
        whole = more.rfind(b"\n") + 1
        if whole:
            self._data += more[:whole]
        return self._data

    def pending(self) -> int:
        """How many whole lines are not acknowledged."""
        count = 0
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                while chunk := handle.read(1 << 20):
                    count += chunk.count(b"\n")
        except FileNotFoundError:
            pass
        return count

    def next_window(self) -> _Window | None:
        """The lines to send next, the same ones however often it is asked until they are
        acknowledged (the window's end is written down before they are sent)."""
        data = self._read()
        if not data:
            return None
        if self.window_end is not None:
            # Sent before (perhaps by a process that died since): the same lines again, or
            # what is whole of them if its last line was cut.
            size = self.window_end - self.offset
            return _Window(data[:size].split(b"\n")[:-1], self.offset, self.seq)
        # Up to MAX_BATCH lines and about MAX_BATCH_BYTES (at least one line).
        end = data.rfind(b"\n", 0, MAX_BATCH_BYTES) + 1 or data.index(b"\n") + 1
        lines = data[:end].split(b"\n", MAX_BATCH)
        del lines[-1]  # the rest, or the empty string after the last newline
        window = _Window(lines, self.offset, self.seq)
        self.window_end = window.end
        self._write_ack()
        return window

    def acknowledge(self, window: _Window) -> None:
        self._data = self._data[window.end - self.offset:]
        self.offset, self.seq = window.end, window.last
        self.window_end = None
        self._write_ack()

    def _write_ack(self) -> None:
        # Rewritten in place, in one write of a fixed length: no new file per window (making
        # files is what a busy disk is slowest at).
        text = json.dumps({"offset": self.offset, "seq": self.seq,
                           "window_end": self.window_end})
        fd = os.open(self.ack_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.pwrite(fd, text.encode().ljust(ACK_WIDTH), 0)
        finally:
            os.close(fd)

    @property
    def key_prefix(self) -> str:
        return f"spool:{self.path.parent.name}:{self.path.stem}"


class SpoolReader:
    """Ships a spool directory's unacknowledged records, in each file's order.

    ``ship_once`` sends everything that is whole now, window by window, and returns how many
    records were acknowledged; errors reaching the server propagate (nothing more is marked as
    sent). A batch the server refuses as invalid is sent again record by record, and what it
    still refuses, or what is for a run that no longer exists, is dropped with a note on
    standard error (counted in ``dropped``), so one bad record never holds back the rest.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._files: dict[str, _File] = {}
        self.dropped = 0

    def _scan(self) -> list[_File]:
        try:
            names = sorted(p.name for p in os.scandir(self.directory)
                           if p.name.endswith(SUFFIX))
        except FileNotFoundError:
            return []
        for name in names:
            if name not in self._files:
                self._files[name] = _File(self.directory / name)
        return [self._files[n] for n in names]

    def pending(self) -> int:
        """How many whole records are not yet acknowledged."""
        return sum(f.pending() for f in self._scan())

    def ship_once(self, sink: BatchSink) -> int:
        shipped = 0
        for spool_file in self._scan():
            while True:
                window = spool_file.next_window()
                if window is None:
                    break
                self._send(sink, spool_file, window)
                shipped += window.count
        return shipped

    def _send(self, sink: BatchSink, spool_file: _File, window: _Window) -> None:
        key = f"{spool_file.key_prefix}:{window.first}"
        if window.unreadable:
            print(f"caudal: skipped {window.unreadable} unreadable line(s) in spool file "
                  f"{spool_file.path}", file=sys.stderr)
        if window.final is not None:
            final = json.loads(window.final)

            def send_final(batch: bytes, idempotency_key: str) -> Any:
                return sink.set_flow_run_state(final["flow_run_id"], final["state"],
                                               message=final.get("message"))

            self._deliver(FLOW, [window.final], send_final, key)
        else:
            # States first: a log line never names a task run the server has not seen.
            if window.states:
                self._deliver(STATE, window.states, sink.set_task_run_states, f"{key}:{STATE}")
            if window.logs:
                self._deliver(LOG, window.logs, sink.write_run_logs, f"{key}:{LOG}")
        spool_file.acknowledge(window)

    def _deliver(self, kind: str, bodies: list[bytes], send: Any, key: str) -> None:
        """Send one batch (the records' JSON, joined into an array as they are). A batch the
        server refuses as such (not for being away) would be refused again: a batch with an
        invalid record is sent again one record at a time, and what is still refused is
        dropped with a note."""
        from caudal.exceptions import ClientError, ServerUnavailable

        try:
            send(b"[" + b",".join(bodies) + b"]", idempotency_key=key)
        except ServerUnavailable:
            raise
        except ClientError as exc:
            status = getattr(exc, "status_code", None)
            if status is None or status >= 500 or status in (401, 403, 408, 429):
                raise
            if status == 422 and len(bodies) > 1:
                for index, body in enumerate(bodies):
                    self._deliver(kind, [body], send, f"{key}:{index}")
                return
            # 404 (the run was deleted), 409 (the run already ended) or 422 (a record the
            # server cannot store).
            self.dropped += len(bodies)
            print(f"caudal: the server refused {len(bodies)} spooled {kind} record(s) "
                  f"({exc}); they are dropped.", file=sys.stderr)

    def remove(self) -> None:
        """Delete the spool directory (once everything in it was acknowledged)."""
        shutil.rmtree(self.directory, ignore_errors=True)


class Shipper:
    """A background thread that ships a spool while the run goes on.

    It wakes when a record is appended (``wake``) and ships. Woken after a quiet spell, it
    first waits ``linger_s`` so that records arriving together go in one batch; woken by
    records appended while it was shipping (a busy run), it ships them at once, so that the
    server takes a busy run's records while the run goes on, not all at its end. When the server cannot be reached it keeps the
    records and tries again, waiting longer each time (up to ``max_backoff_s``); one line on
    standard error says so, and one more when the server is back. ``flush`` waits until
    everything appended so far is acknowledged.
    """

    def __init__(self, reader: SpoolReader, sink: BatchSink, linger_s: float = 0.02,
                 max_backoff_s: float = 5.0) -> None:
        self.reader = reader
        self.sink = sink
        self.linger_s = linger_s
        self.max_backoff_s = max_backoff_s
        self._wake = threading.Event()
        self._hurry = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._requested = 0
        self._done = 0
        self._failing_since: float | None = None
        self.last_error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="caudal-spool-shipper",
                                        daemon=True)

    def start(self) -> Shipper:
        self._thread.start()
        return self

    def wake(self) -> None:
        if not self._wake.is_set():  # called on every append: setting costs a lock
            self._wake.set()

    def _loop(self) -> None:
        backoff = 0.5
        quiet = True
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                break
            if quiet:  # a flush that waits cuts the lingering short
                self._hurry.wait(self.linger_s)
            self._hurry.clear()
            # Cleared before the flushes asked for are counted: one asked for after that
            # sets the event again and gets a pass of its own.
            self._wake.clear()
            with self._idle:
                target = self._requested
            try:
                self._ship_all()
            except Exception as exc:  # the server is away: keep the records, try later
                self._note_failure(exc)
                self._wake.set()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)
                continue
            backoff = 0.5
            quiet = not self._wake.is_set()  # else records came while it shipped
            with self._idle:
                self._done = max(self._done, target)
                self._idle.notify_all()

    def _ship_all(self) -> None:
        self.reader.ship_once(self.sink)
        if self._failing_since is not None:
            away = time.monotonic() - self._failing_since
            print(f"caudal: the server answers again after {away:.0f} s; the spooled records "
                  "were sent.", file=sys.stderr)
            self._failing_since = None
        self.last_error = None

    def _note_failure(self, exc: BaseException) -> None:
        self.last_error = exc
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            print(f"caudal: cannot send the run's states and logs to the server ({exc}); "
                  "they are kept in the spool and sent when it answers.", file=sys.stderr)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record appended before this call is acknowledged.

        Returns:
            False if ``timeout`` passed first (the records stay in the spool).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            self._requested += 1
            ticket = self._requested
        self._hurry.set()
        self._wake.set()
        with self._idle:
            while self._done < ticket:
                if not self._thread.is_alive():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(0.5 if remaining is None else min(remaining, 0.5))
        return True

    def stop(self) -> None:
        self._stop.set()
        self._hurry.set()
        self._wake.set()
        self._thread.join(timeout=5)

