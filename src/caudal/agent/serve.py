"""Running an agent in the foreground until SIGTERM or Ctrl-C, with its ``/health``.

``caudal agent ... start`` and the Python agents (``LocalAgent().start()``) all end here.
The first signal stops claiming and gives running runs their grace period; a second one
ends the grace period at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from caudal.agent.health import HealthServer

if TYPE_CHECKING:
    from caudal.agent.agent import Agent

__all__ = ["HealthAddressError", "serve"]


class HealthAddressError(ValueError):
    """The agent's ``/health`` cannot be served at the address given."""


def serve(agent: Agent, health_address: str = "127.0.0.1:0", max_runs: int | None = None,
          echo: Callable[[str], Any] = print) -> None:
    """Run ``agent`` until it is stopped.

    Raises:
        HealthAddressError: ``health_address`` is invalid or taken.
    """
    try:
        health = HealthServer(agent, health_address).start()
    except (OSError, ValueError) as exc:
        raise HealthAddressError(str(exc)) from exc
    echo(f"Agent '{agent.settings.name}' health: {health.url}")
    stops = {"count": 0}

    def on_signal(signum: int, frame: Any) -> None:
        stops["count"] += 1
        if stops["count"] == 1:
            agent.stop()
        else:  # asked twice: no grace
            agent.settings.grace_s = 0

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    try:
        agent.run(max_runs=max_runs)
    finally:
        health.stop()
