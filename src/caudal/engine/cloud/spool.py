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
sent, its last sequence number is written beside the file, so the window never changes, even
for a reader that starts again after a crash; its task states go in one request and its log
lines in another, each with an ``Idempotency-Key`` made of the file, the window's first
sequence number and the kind. A window sent again, after a lost answer or by the agent after
the run's process died, is the same two batches to the server, which stores each once.

This module imports nothing from the engine or the network: the agent uses it to ship what a
dead run left, and any object with the client's two batch calls can receive the records.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

__all__ = ["FLOW", "LOG", "STATE", "Shipper", "SpoolReader", "SpoolWriter", "spool_dir"]

LOG = "log"
"""A log line (``wire.logs.LogLine``)."""
STATE = "state"
"""A task run's state (``wire.runs.TaskRunState``)."""
FLOW = "flow"
"""The flow run's final state (``flow_run_id``, ``state``, ``message``): the spool's last
record, so that the run ends on the server only after everything it reported."""
SUFFIX = ".spool"
ACK_SUFFIX = ".ack"
_MARK = {STATE: "S", LOG: "L", FLOW: "F"}
"""The first character of a line, by kind."""
_KIND = {ord(mark): kind for kind, mark in _MARK.items()}
_ENCODER = json.JSONEncoder(default=str, separators=(",", ":"))
ACK_WIDTH = 120
"""Bytes of an ``.ack`` file: rewritten in place, always this long (padded with spaces)."""
MAX_BATCH = 2000
"""Records in one batch at most."""
MAX_BATCH_BYTES = 4_000_000
"""Bytes of records in one batch at most (about; one record may pass it alone)."""
MAX_MESSAGE = 100_000
"""Characters of a message kept; longer ones are cut with a note of how much was cut."""


def spool_dir(home: str | os.PathLike[str], flow_run_id: str) -> Path:
    """Where the spool of a flow run lives under a caudal home directory."""
    return Path(home).expanduser() / "spool" / flow_run_id


def _cut(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return message[:MAX_MESSAGE - 60] + f"... [{len(message) - MAX_MESSAGE + 60} characters cut]"


class SpoolWriter:
    """Appends records to this process's file in a run's spool directory.

    Every record is written with one ``write`` call before ``append`` returns, so a record
    appended is on disk (in the page cache) even if the process is killed the next moment.
    A process forked from the writer's (a process pool) gets a file of its own on its first
    append. ``on_append`` is called after each append in the process that made the writer
    (the shipper's wake-up).
    """

    def __init__(self, directory: str | os.PathLike[str],
                 on_append: Callable[[], None] | None = None) -> None:
        self.directory = Path(directory)
        self.on_append = on_append
        self._owner = os.getpid()
        self._lock = threading.Lock()
        self._pid = -1
        self._fd = -1
        self._seq = 0

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process (a pool's worker): it opens a file of its own there.
        return {"directory": self.directory}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["directory"])  # type: ignore[misc]

    @property
    def appended(self) -> int:
        """How many records this process appended."""
        return self._seq

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}{SUFFIX}"
        self._fd = os.open(self.directory / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._pid = os.getpid()
        self._seq = 0

    def append(self, kind: str, record: dict[str, Any]) -> None:
        """Write one record (``LOG``, ``STATE`` or ``FLOW``) to the spool."""
        message = record.get("message")
        if isinstance(message, str) and len(message) > MAX_MESSAGE:
            record["message"] = _cut(message)
        body = _ENCODER.encode(record)
        mark = _MARK[kind]
        with self._lock:
            if self._pid != os.getpid():
                self._open()
            self._seq += 1
            os.write(self._fd, f"{mark}{self._seq}\t{body}\n".encode())
        if self.on_append is not None and self._pid == self._owner:
            self.on_append()

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0 and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = -1
            self._pid = -1


class BatchSink(Protocol):
    """Where shipped records go: ``caudal.Client`` is one."""

    def write_run_logs(self, logs: list[dict[str, Any]] | bytes,
                       idempotency_key: str | None = None) -> int: ...

    def set_task_run_states(self, batch: list[dict[str, Any]] | bytes,
                            idempotency_key: str | None = None) -> int: ...

    def set_flow_run_state(self, flow_run_id: str, state: Any, version: int | None = None,
                           message: str | None = None) -> Any: ...


class _Record:
    """One whole line of a spool file: its record's JSON is kept as it was written."""

    __slots__ = ("seq", "kind", "body", "end")

    def __init__(self, seq: int, kind: str, body: bytes, end: int) -> None:
        self.seq = seq
        self.kind = kind
        self.body = body
        self.end = end
        """The file offset just past this record's line."""


class _File:
    """One spool file, read from its acknowledged position."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ack_path = path.with_suffix(ACK_SUFFIX)
        self.offset = 0
        self.seq = 0
        self.window: int | None = None
        """The last sequence number of the window being sent (None: none is)."""
        try:
            acked = json.loads(self.ack_path.read_bytes())
            self.offset, self.seq = int(acked["offset"]), int(acked["seq"])
            window = acked.get("window")
            self.window = None if window is None else int(window)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        self._buffer: list[_Record] = []
        self._read_to = self.offset

    def read(self) -> list[_Record]:
        """The records not yet acknowledged (complete lines only)."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._read_to)
                data = handle.read()
        except FileNotFoundError:
            return self._buffer
        # Whole lines only: the last one may be being written (or was cut by a kill).
        whole = data[:data.rfind(b"\n") + 1]
        position = self._read_to
        buffer = self._buffer
        for line in whole.split(b"\n")[:-1]:
            position += len(line) + 1
            tab = line.find(b"\t")
            kind = _KIND.get(line[0]) if line else None
            try:
                if kind is None or tab < 0:
                    raise ValueError
                buffer.append(_Record(int(line[1:tab]), kind, line[tab + 1:], position))
            except ValueError:
                # A line no writer could have made (a disk full mid-line): skip it.
                print(f"caudal: skipped an unreadable line in spool file {self.path}",
                      file=sys.stderr)
        self._read_to = position
        return buffer

    def next_window(self) -> list[_Record]:
        """The records to send next, the same ones however often it is asked until they are
        acknowledged (the window's end is written down before they are sent)."""
        records = self.read()
        if not records:
            return []
        if self.window is not None:
            window = [r for r in records if r.seq <= self.window]
            if window and window[-1].seq == self.window:
                return window
            # Its records are not all here (a cut last line): send what is whole, as before.
        window = _next_window(records)
        self.window = window[-1].seq
        self._write_ack()
        return window

    def acknowledge(self, records: list[_Record]) -> None:
        if not records:
            return
        last = records[-1]
        del self._buffer[:len(records)]
        self.offset, self.seq = last.end, last.seq
        self.window = None
        self._write_ack()

    def _write_ack(self) -> None:
        # Rewritten in place, in one write of a fixed length: no new file per window (making
        # files is what a busy disk is slowest at).
        text = json.dumps({"offset": self.offset, "seq": self.seq, "window": self.window})
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
        return sum(len(f.read()) for f in self._scan())

    def ship_once(self, sink: BatchSink) -> int:
        shipped = 0
        for spool_file in self._scan():
            while True:
                window = spool_file.next_window()
                if not window:
                    break
                self._send(sink, spool_file, window)
                shipped += len(window)
        return shipped

    def _send(self, sink: BatchSink, spool_file: _File, window: list[_Record]) -> None:
        key = f"{spool_file.key_prefix}:{window[0].seq}"
        if window[0].kind == FLOW:
            final = json.loads(window[0].body)

            def send_final(batch: bytes, idempotency_key: str) -> Any:
                return sink.set_flow_run_state(final["flow_run_id"], final["state"],
                                               message=final.get("message"))

            self._deliver(FLOW, [window[0].body], send_final, key)
        else:
            # States first: a log line never names a task run the server has not seen.
            for kind, send in ((STATE, sink.set_task_run_states), (LOG, sink.write_run_logs)):
                bodies = [r.body for r in window if r.kind == kind]
                if bodies:
                    self._deliver(kind, bodies, send, f"{key}:{kind}")
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


def _next_window(records: list[_Record]) -> list[_Record]:
    """The records that go together next: up to ``MAX_BATCH`` and about ``MAX_BATCH_BYTES``,
    ending before a final state (which goes alone)."""
    if records[0].kind == FLOW:
        return records[:1]
    size = 0
    window: list[_Record] = []
    for record in records:
        if record.kind == FLOW or len(window) >= MAX_BATCH:
            break
        size += len(record.body)
        if window and size > MAX_BATCH_BYTES:
            break
        window.append(record)
    return window


class Shipper:
    """A background thread that ships a spool while the run goes on.

    It wakes when a record is appended (``wake``), waits ``linger_s`` so that records arriving
    together go in one batch, and ships. When the server cannot be reached it keeps the
    records and tries again, waiting longer each time (up to ``max_backoff_s``); one line on
    standard error says so, and one more when the server is back. ``flush`` waits until
    everything appended so far is acknowledged.
    """

    def __init__(self, reader: SpoolReader, sink: BatchSink, linger_s: float = 0.1,
                 max_backoff_s: float = 5.0) -> None:
        self.reader = reader
        self.sink = sink
        self.linger_s = linger_s
        self.max_backoff_s = max_backoff_s
        self._wake = threading.Event()
        self._hurry = False
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
        self._wake.set()

    def _loop(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                break
            if not self._hurry:  # a flush waits: no lingering for more records
                time.sleep(self.linger_s)
            self._hurry = False
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
        self._hurry = True
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
        self._wake.set()
        self._thread.join(timeout=5)

