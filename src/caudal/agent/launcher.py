"""How a claimed run becomes a running process: the one interface every launcher implements.

An agent asks its launcher to start ``caudal execute flow-run ID`` for each run it claims
(``Launcher.launch``), and watches what it got back (``Launched``): whether it ended and
how, the last lines it printed, and how to stop everything it started. The local launcher
(``agent/local.py``) starts a child process; the Kubernetes launcher
(``agent/kubernetes/launcher.py``) starts a Job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

__all__ = ["LaunchSpec", "Launched", "Launcher"]


@dataclass
class LaunchSpec:
    """What to start for one flow run."""

    flow_run_id: str
    command: list[str]
    """``caudal execute flow-run ID``, as the launcher's platform runs it."""
    env: dict[str, str] = field(default_factory=dict)
    """The agent's variables (its own environment, its ``--env`` and the connection's)."""
    agent_env: dict[str, str] = field(default_factory=dict)
    """Only the variables the agent sets for its runs (the connection's and its ``--env``),
    without its own environment: what a run on another machine gets."""
    run_env: dict[str, str] = field(default_factory=dict)
    """The run config's ``env``: set over ``env`` for this run."""
    working_dir: str | None = None
    flow_name: str = ""
    flow_id: str = ""
    run_config: dict[str, object] = field(default_factory=dict)
    """The flow's run config as registered (launchers read their own settings from it)."""


class Launched(ABC):
    """One launched run, as its agent sees it."""

    what = "the flow run's process"
    """What it is, as the subject of a sentence in the run's state message."""

    def waiting_reason(self) -> str | None:
        """Why it has not started yet, where the platform says (None: nothing known)."""
        return None

    @abstractmethod
    def poll(self) -> int | None:
        """None while it runs; its exit code once it ended (negative: killed by that signal)."""

    @abstractmethod
    def stop(self, grace_s: float) -> None:
        """Stop it and everything it started: a polite signal, ``grace_s`` seconds, then kill."""

    @abstractmethod
    def output_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines it printed (standard output and error)."""

    @abstractmethod
    def describe_exit(self, code: int) -> str:
        """How it ended, as the end of a sentence: "exited with code 1", "was killed by ..."."""

    @abstractmethod
    def cleanup(self) -> None:
        """Forget what was kept for it (its output file); called once its run is settled."""


class Launcher(ABC):
    """Starts flow runs' processes for an agent."""

    name = "launcher"

    def prepare(self, env: dict[str, str]) -> None:  # noqa: B027 (optional)
        """Get ready to launch runs with the agent's variables ``env`` (a launcher may start
        processes ahead); called once the agent has registered."""

    def close(self) -> None:  # noqa: B027 (optional)
        """Stop what ``prepare`` started; called when the agent stops."""

    @abstractmethod
    def launch(self, spec: LaunchSpec) -> Launched:
        """Start the run's process.

        Raises:
            OSError: it could not be started (a missing working directory, no interpreter).
        """
