"""Running a task's ``run`` with its ``timeout``: a task past its time stops and is TimedOut."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from caudal.engine import signals
from caudal.utilities.context import context as _context

__all__ = ["run_with_timeout"]


def run_with_timeout(fn: Callable[..., Any], kwargs: dict[str, Any], timeout_s: float) -> Any:
    """Call ``fn(**kwargs)``; raise TaskTimeoutSignal after ``timeout_s`` seconds.

    On the main thread a timer signal interrupts the task itself, so nothing keeps running.
    Elsewhere (signals only reach the main thread), or when another timer is already set (a
    test runner's, the user's), the task runs in a helper thread that is abandoned on timeout.
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

    outcome: dict[str, Any] = {}
    ctx = _context.to_dict()

    def target() -> None:
        _context.replace(ctx)
        try:
            outcome["value"] = fn(**kwargs)
        except BaseException as exc:  # carried back to the runner's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="caudal-task-timeout", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise signals.TaskTimeoutSignal("Execution timed out.")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
