"""ShellTask: run a shell command as a task; its output becomes the task's result."""

from __future__ import annotations

import collections
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Any

from caudal.core.task import Task
from caudal.engine import signals
from caudal.utilities.tasks import defaults_from_attrs

__all__ = ["ShellTask"]


TAIL_LINES = 5
"""How many of the last output lines a failed command's state message carries."""
TAIL_CHARS = 2000
"""At most this many characters of them."""


class ShellTask(Task):
    """Run a shell command; its last line of output (or every line) is the task's result.

    The command runs as a script of ``shell`` (``bash script``), after ``helper_script`` in the
    same script, with the current environment plus ``env``. Standard error is merged into
    standard output, so "output" below means both, in the order they were written.

    A non-zero exit ends the task ``Failed`` with the message
    ``Command failed with exit code N: <the last lines of output>`` (Prefect stops at the exit
    code; the tail says why without opening the logs). ``Command failed with exit code N`` is
    logged at ERROR on the task's logger, and the failed state's result is the output (the
    last line, or every line with ``return_all``).

    Args:
        command: the command to run; can also be given when the task is called.
        env: environment variables added to the current environment for the command; can
            also be given when the task is called.
        helper_script: shell code run just before ``command`` in the same shell (change
            directory, define functions); can also be given when the task is called.
        shell: the shell program that runs the script; ``"bash"`` by default.
        return_all: return every line of output as a list instead of the last line.
        log_stderr: on a non-zero exit, also log the output at ERROR (the last line, or every
            line with ``return_all``); ignored when ``stream_output`` already logged it.
        stream_output: log each line of output as it is written: ``True`` logs at INFO, a level
            (``logging.DEBUG``, ``"WARNING"``) logs at that level, ``False`` does not log.
        **kwargs: the ``Task`` options (name, max_retries, timeout, ...).

    Raises:
        TypeError: ``stream_output`` is a string that is not a logging level name.

    Example:
        >>> from caudal import Flow
        >>> from caudal.tasks.shell import ShellTask
        >>> shell = ShellTask(helper_script="greet() { echo hello $1; }", return_all=True)
        >>> with Flow("shell") as flow:
        ...     out = shell(command="greet $WHO; echo bye", env={"WHO": "Ana"})
        >>> flow.run().result[out].result
        ['hello Ana', 'bye']
    """

    def __init__(
        self,
        command: str | None = None,
        env: dict[str, str] | None = None,
        helper_script: str | None = None,
        shell: str = "bash",
        return_all: bool = False,
        log_stderr: bool = False,
        stream_output: bool | int | str = False,
        **kwargs: Any,
    ) -> None:
        self.command = command
        self.env = env
        self.helper_script = helper_script
        self.shell = shell
        self.return_all = return_all
        self.log_stderr = log_stderr
        self.stream_output = _log_level(stream_output)
        super().__init__(**kwargs)

    @defaults_from_attrs("command", "env", "helper_script")
    def run(
        self,
        command: str | None = None,
        env: dict[str, str] | None = None,
        helper_script: str | None = None,
    ) -> str | list[str] | None:
        """Run ``helper_script`` then ``command`` in one shell; returns its output.

        Args:
            command: the command; defaults to the one given at initialization.
            env: variables added to the current environment; defaults to the task's.
            helper_script: shell code run first; defaults to the task's.

        Returns:
            The last line of output, or every line as a list with ``return_all``; None (or
            ``[]``) when the command printed nothing.

        Raises:
            TypeError: no command was given, here or at initialization.
            caudal.engine.signals.FAIL: the command exited with a non-zero code.
            caudal.engine.signals.TaskTimeoutSignal: the task's ``timeout`` passed; the
                command and what it started were stopped.
        """
        if command is None:
            raise TypeError("run() missing required argument: 'command'")
        script = f"{helper_script}{os.linesep}{command}" if helper_script else command
        lines, returncode = self._run_script(script, {**os.environ, **(env or {})})
        output = lines if self.return_all else (lines[-1] if lines else None)
        if returncode:
            message = f"Command failed with exit code {returncode}"
            self.logger.error(message)  # the log line is Prefect's, word for word
            tail = "\n".join(lines[-TAIL_LINES:])[-TAIL_CHARS:]
            if tail:
                # The state says why, not only that: the tail of the output (stderr included).
                message = f"{message}: {tail}"
            if self.log_stderr and not self.stream_output:
                self.logger.error("\n".join(lines) if self.return_all else output)
            raise signals.FAIL(message, result=output)
        return output

    def _run_script(self, script: str, env: dict[str, str]) -> tuple[list[str], int]:
        """Run ``script`` with the shell; returns its output lines and exit code.

        Only the last few lines are kept unless ``return_all``: a chatty command does not fill
        the memory. Lines are read as they are written, so streaming logs them live. If reading is
        interrupted (the task's timeout, Ctrl-C), the shell and everything it started are
        stopped before the error goes on, so no command outlives its task.
        """
        # Every line with return_all; otherwise only the tail a failure message quotes.
        lines: collections.deque[str] = collections.deque(
            maxlen=None if self.return_all else TAIL_LINES
        )
        with tempfile.NamedTemporaryFile("w", prefix="caudal-", suffix=".sh") as file:
            file.write(script)
            file.flush()
            process = subprocess.Popen(
                [self.shell, file.name],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                # Windows only finds the shell on PATH through the system shell.
                shell=sys.platform == "win32",
                # Its own process group, so that an interrupted task can stop all of it.
                start_new_session=sys.platform != "win32",
            )
            stdout = process.stdout
            assert stdout is not None  # stdout=PIPE
            expired = threading.Event()
            watchdog = self._watchdog(process, expired)
            try:
                for raw in iter(stdout.readline, b""):
                    line = raw.decode("utf-8", errors="replace").rstrip()
                    lines.append(line)
                    if self.stream_output:
                        self.logger.log(self.stream_output, line)
                returncode = process.wait()
            except BaseException:
                _stop(process)
                raise
            finally:
                if watchdog is not None:
                    watchdog.cancel()
                stdout.close()
        if expired.is_set():
            raise signals.TaskTimeoutSignal("Execution timed out.")
        return list(lines), returncode

    def _watchdog(self, process: subprocess.Popen[bytes],
                  expired: threading.Event) -> threading.Timer | None:
        """Stop the command when the task's ``timeout`` passes, and say so in ``expired``.

        The runner enforces the timeout too, but off the main thread (executors' workers, a
        timer already in use) it can only abandon the task, which would leave the command
        running: the command's own deadline makes sure it stops.
        """
        if not self.timeout:
            return None
        seconds = getattr(self.timeout, "total_seconds", lambda: self.timeout)()

        def expire() -> None:
            expired.set()
            _stop(process)

        watchdog = threading.Timer(float(seconds), expire)
        watchdog.daemon = True
        watchdog.start()
        return watchdog


def _log_level(stream_output: bool | int | str) -> int | bool:
    """The level ``stream_output`` asks for; False (or 0) means no streaming."""
    if stream_output is True:
        return logging.INFO
    if stream_output is False or stream_output is None:
        return False
    if isinstance(stream_output, str):
        level = logging.getLevelName(stream_output.upper())
        if not isinstance(level, int):
            raise TypeError(
                f"ShellTask got stream_output={stream_output!r}, which is not a logging level; "
                "pass True, a level number, or a level name such as 'INFO' or 'DEBUG'."
            )
        return level
    return int(stream_output)


def _stop(process: subprocess.Popen[bytes], grace_s: float = 3.0) -> None:
    """Stop the shell and every command it started: SIGTERM, and SIGKILL after ``grace_s``."""
    if sys.platform == "win32":
        process.kill()
        process.wait()
        return
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        pass
    # Commands the shell started may outlive it (or ignore SIGTERM): kill what is left.
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # nothing left in the group
