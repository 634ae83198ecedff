"""Running a task's ``run`` with its ``timeout``: a task past its time stops and is TimedOut.

On the main thread a timer signal interrupts the task itself. Elsewhere (a pool's thread, a
dask worker) no signal can reach the task, so it runs in a child process of its own, forked
where the platform can (fast, and the child has the run context and the inputs as they are)
and spawned otherwise; at the timeout the child is killed with everything it started, so
nothing of a timed-out task keeps running. While it runs, the child sends its log records
and what it prints to the parent, which hands them to its own logging and standard streams;
then its value or its error, pickled. Tasks without a timeout never come here.
"""

from __future__ import annotations

import _thread
import io
import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from caudal.engine import signals
from caudal.exceptions import CaudalSignal
from caudal.executors.pickling import (
    RemoteTraceback,
    dumps,
    dumps_by_value,
    find_pickling_error,
    loads,
)
from caudal.utilities.context import context as _context
from caudal.utilities.processes import kill_tree

__all__ = ["run_with_timeout"]

START_METHOD = "fork" if hasattr(os, "fork") else "spawn"
"""How a task with a timeout gets its process off the main thread."""
POLL_S = 0.1
"""Seconds between two looks at a child that is quiet: how soon a child that died is noticed
and how soon the waiting thread can be interrupted (a Ctrl-C)."""
REAP_S = 5.0
"""Seconds a child that answered (or was killed) has to exit before it is killed (again)."""
WATCH_S = 0.2
"""Seconds between a child's checks that its parent (the run's process) is still there."""

# Python 3.12+ warns at each fork of a process with threads, for fear of a lock held by
# another thread; the child here runs only the task, and one that hangs is killed at the
# timeout. The filter covers this module's forks only.
warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks",
                        category=DeprecationWarning, module=__name__)

# Message kinds on the pipe from a child: the first byte of each message.
_LOG, _OUTPUT, _VALUE, _ERROR, _UNSENDABLE = b"L", b"O", b"V", b"E", b"U"
_RECORD_KEYS_DROPPED = ("args", "exc_info", "exc_text", "stack_info", "message")


def run_with_timeout(fn: Callable[..., Any], kwargs: dict[str, Any], timeout_s: float) -> Any:
    """Call ``fn(**kwargs)``; raise TaskTimeoutSignal after ``timeout_s`` seconds.

    On the main thread a timer signal interrupts the task itself. Elsewhere (signals only
    reach the main thread), or when another timer is already set (a test runner's, the
    user's), the task runs in a child process that is killed at the timeout: its value
    must pickle to come back, and changes it makes to the context or to objects stay in it.

    Raises:
        TaskTimeoutSignal: the task ran past ``timeout_s``.
        RuntimeError: the task's value cannot come back from its process, or the process
            ended without answering (killed from outside, ``os._exit``).
        BaseException: whatever the task raised.
    """
    if (
        threading.current_thread() is threading.main_thread()
        and hasattr(signal, "setitimer")
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # never take over someone's timer
    ):
        def on_alarm(signum: int, frame: Any) -> None:
            raise signals.TaskTimeoutSignal("Execution timed out.")

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            return fn(**kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return _run_in_child(fn, kwargs, timeout_s)


# ------------------------------------------------------------------ the parent's side


class _Child:
    """A task running in a child process: the pipe it answers on, and how to stop it."""

    def __init__(self, pid: int, conn: Any, process: Any = None) -> None:
        self.pid = pid
        self.conn = conn
        self.process = process  # the multiprocessing.Process of a spawned child
        self.returncode: int | None = None
        self.answered = False

    def poll(self) -> int | None:
        """The child's exit code (negative: the signal that ended it); None while it runs."""
        if self.returncode is None:
            if self.process is not None:
                self.returncode = self.process.exitcode
            else:
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:  # reaped by someone else (SIGCHLD ignored)
                    self.returncode = 0
                else:
                    if pid:
                        self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        """Kill the child, the processes it started and its process group (once, and never
        after it was reaped: its pid may belong to another process by then)."""
        if self.poll() is not None:
            return
        try:
            kill_tree(self.pid)  # first: what it started is found through it
        except (AttributeError, OSError):  # no SIGKILL here (Windows)
            pass
        if self.process is not None:
            self.process.kill()
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (AttributeError, OSError):  # no process groups here, or the group is gone
            pass

    def reap(self, within_s: float = REAP_S) -> None:
        """Wait for the child to exit, killing it if it takes longer than ``within_s``."""
        if self.answered and self.process is None and self.returncode is None:
            # Its answer was its last act before os._exit: the exit is a moment away.
            try:
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:
                self.returncode = 0
            return
        deadline = time.monotonic() + within_s
        delay = 0.0005
        while self.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                deadline = time.monotonic() + within_s
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


_running: dict[int, _Child] = {}
"""Children alive in this process: killed if it exits while they run."""
_fork_lock = threading.Lock()
"""Held while a child is forked: a child forked by another thread at the same moment would
keep a copy of this child's end of the pipe, and its end would never be noticed."""


def _kill_running() -> None:
    for child in list(_running.values()):
        child.kill()


def _run_in_child(fn: Callable[..., Any], kwargs: dict[str, Any], timeout_s: float) -> Any:
    name = _context.get("task_full_name") or getattr(fn, "__qualname__", "task")
    child = _fork(fn, kwargs) if START_METHOD == "fork" else _spawn(fn, kwargs)
    _running[child.pid] = child
    try:
        return _await(child, name, time.monotonic() + timeout_s)
    finally:
        if not child.answered:  # the wait was interrupted (Ctrl-C): the task must not go on
            child.kill()
        child.reap()
        _running.pop(child.pid, None)
        child.conn.close()


def _await(child: _Child, name: str, deadline: float) -> Any:
    """Hand on the child's log records and output until its answer, the timeout, or its
    end; returns the value, or raises the error, it answered with."""
    conn = child.conn
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            child.kill()
            _drain(conn)  # what it logged before the end still reaches the logs
            raise signals.TaskTimeoutSignal(f"Execution timed out for Task '{name}'.")
        if not conn.poll(min(remaining, POLL_S)):
            if child.poll() is not None and not conn.poll(0):
                _ended_silently(child, name)
            continue
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            child.reap()
            _ended_silently(child, name)
        kind, body = message[:1], memoryview(message)[1:]
        if kind == _LOG or kind == _OUTPUT:
            _hand_on(kind, body)
            continue
        child.answered = True
        if kind == _VALUE:
            try:
                return loads(body)
            except Exception as exc:
                raise RuntimeError(f"Task '{name}' ran in a child process (a task with a "
                                   "timeout does, off the main thread), and its result could "
                                   f"not be read back from it: {exc!r}.") from exc
        elif kind == _ERROR:
            error, text = loads(body)
            if text and isinstance(error, Exception) and error.__cause__ is None:
                error.__cause__ = RemoteTraceback(text)
            raise error
        else:  # _UNSENDABLE
            type_name, why = loads(body)
            raise RuntimeError(
                f"Task '{name}' ran in a child process (a task with a timeout does, off the "
                f"main thread), and its result, a '{type_name}', cannot be sent back from "
                f"it: {why}. Return a value that pickles (with cloudpickle), or run the "
                "task on the main thread (LocalExecutor).")


def _ended_silently(child: _Child, name: str) -> NoReturn:
    code = child.poll()
    how = f"was killed by signal {-code}" if code is not None and code < 0 else \
        f"exited with code {code}"
    raise RuntimeError(f"The process running task '{name}' {how} before the task returned "
                       "(the task has a timeout, so it ran in a process of its own).") from None


def _drain(conn: Any, most: int = 10_000) -> None:
    for _ in range(most):
        try:
            if not conn.poll(0):
                return
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if message[:1] in (_LOG, _OUTPUT):
            _hand_on(message[:1], memoryview(message)[1:])


def _hand_on(kind: bytes, body: bytes | memoryview) -> None:
    """A child's log record to this process's handlers, or its output to this process's
    standard stream; in the thread that waits for the task, so that the run context (the
    task's name, its run id) is the task's. A line that cannot be handed on is dropped: the
    task goes on."""
    try:
        if kind == _OUTPUT:
            stream_name, text = loads(body)
            stream = getattr(sys, stream_name, None)
            if stream is not None:
                stream.write(text)
            return
        record = logging.makeLogRecord(loads(body))
        name = record.name
        logger = logging.getLogger(name) if name != "root" else logging.getLogger()
        logger.callHandlers(record)  # levels and filters were applied in the child
    except Exception:
        pass


def _fork(fn: Callable[..., Any], kwargs: dict[str, Any]) -> _Child:
    from multiprocessing.connection import Pipe

    _register_exit_hook()
    reader, writer = Pipe(duplex=False)
    parent = os.getpid()
    with _fork_lock:
        pid = os.fork()
        if pid == 0:
            _child_main(writer, parent, lambda: fn(**kwargs))  # never returns
        writer.close()
    try:
        os.setpgid(pid, pid)  # also done by the child: whichever runs first
    except OSError:
        pass
    return _Child(pid, reader)


def _spawn(fn: Callable[..., Any], kwargs: dict[str, Any]) -> _Child:
    import multiprocessing

    _register_exit_hook()
    # Raises here when the task or its inputs do not pickle: the task fails with that error.
    # The context goes without what does not pickle (a resource, a lock in a value).
    ctx = {k: v for k, v in _context.to_dict().items() if find_pickling_error(v) is None}
    payload = dumps_by_value((fn, kwargs, ctx))
    reader, writer = multiprocessing.get_context("spawn").Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_spawned_main, args=(writer, os.getpid(), payload), name="caudal-timeout")
    with _fork_lock:
        process.start()
        writer.close()
    return _Child(process.pid, reader, process)


_exit_hook_registered = False


def _register_exit_hook() -> None:
    """Kill the children still running when this process exits (a Ctrl-C that ends it);
    registered after multiprocessing's own, so it runs before multiprocessing joins them."""
    global _exit_hook_registered
    if not _exit_hook_registered:
        import atexit
        import multiprocessing.util  # noqa: F401  (its exit hook first: it runs last)

        atexit.register(_kill_running)
        _exit_hook_registered = True


# ------------------------------------------------------------------ the child's side


def _spawned_main(conn: Any, parent: int, payload: bytes) -> None:
    fn, kwargs, ctx = loads(payload)
    _context.replace(ctx)
    _child_main(conn, parent, lambda: fn(**kwargs))


def _child_main(conn: Any, parent: int, call: Callable[[], Any]) -> None:
    """Run the task in this (child) process, send everything back, and exit: never returns
    into the parent's code that forked it."""
    global _fork_lock
    code = 0
    try:
        _fork_lock = threading.Lock()  # a copy of the parent's, held by the thread that forked
        _running.clear()  # the parent's children are the parent's to stop
        try:
            os.setpgid(0, 0)  # a group of its own: killing it kills what it started too
        except (AttributeError, OSError):
            pass
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a handler of the parent's is not ours
        _watch_parent(parent)
        send = _Sender(conn)
        _send_logs_to(send)
        sys.stdout = _OutputTo(send, "stdout")
        sys.stderr = _OutputTo(send, "stderr")
        # Out of the terminal's foreground group, a read from it would stop the process.
        sys.stdin = open(os.devnull)
        send(*_outcome(call))
    except BaseException:
        code = 1
        try:
            traceback.print_exc(file=sys.__stderr__)
            sys.__stderr__.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _outcome(call: Callable[[], Any]) -> tuple[bytes, bytes]:
    """The message that answers the parent: the value, the error, or why the value (or the
    value a signal carries) cannot be sent."""
    try:
        value = call()
    except CaudalSignal as sig:  # its state is the task's: it must travel whole
        why = find_pickling_error(sig)
        if why is None:
            return _ERROR, dumps((sig, ""))
        carried = getattr(getattr(sig, "state", None), "result", None)
        return _UNSENDABLE, dumps((type(carried).__name__, why))
    except BaseException as exc:
        return _ERROR, dumps((exc, "".join(traceback.format_exception(exc))))
    try:
        return _VALUE, dumps(value)
    except Exception as exc:
        return _UNSENDABLE, dumps((type(value).__name__, repr(exc)))


class _Sender:
    """Sends messages on the pipe to the parent, one whole message at a time."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def __call__(self, kind: bytes, body: bytes) -> None:
        with self.lock:
            self.conn.send_bytes(kind + body)


def _send_logs_to(send: _Sender) -> None:
    """Every log record the task makes goes to the parent (its handlers write it), not to
    this process's copies of the handlers."""

    def call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
        try:
            send(_LOG, _record_data(record))
        except Exception:
            pass  # the parent is gone: this process is about to be stopped

    logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]


def _record_data(record: logging.LogRecord) -> bytes:
    """A record as plain data: its message formatted, with its traceback appended (as
    ``logging.handlers.QueueHandler`` prepares records for another process)."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the message: logging would say so too
        message = f"{record.msg!r} with arguments {record.args!r}"
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    for extra in (record.exc_text, record.stack_info):
        if extra:
            message = f"{message}\n{extra}"
    data = {k: v for k, v in record.__dict__.items() if k not in _RECORD_KEYS_DROPPED}
    data["msg"] = message
    try:
        return dumps(data)
    except Exception:  # an `extra=` value that does not pickle: sent as its repr
        return dumps({k: v if find_pickling_error(v) is None else repr(v)
                      for k, v in data.items()})


class _OutputTo(io.TextIOBase):
    """A child's ``sys.stdout`` or ``sys.stderr``: what the task prints is written by the
    parent to its own stream (a terminal, a capture, the task's ``log_stdout`` logger)."""

    encoding = "utf-8"

    def __init__(self, send: _Sender, stream_name: str) -> None:
        super().__init__()
        self.send = send
        self.stream_name = stream_name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.send(_OUTPUT, dumps((self.stream_name, str(text))))
        return len(text)


def _watch_parent(parent: int) -> None:
    """Stop this child, and what it started, soon after the run's process is gone (killed
    with no chance to stop its children)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        kill_tree(os.getpid(), include_self=False)
        try:
            os.killpg(0, signal.SIGKILL)
        finally:
            os._exit(1)

    # The low-level start: no wait for the thread to be up (a Thread's start() waits).
    _thread.start_new_thread(watch, ())
