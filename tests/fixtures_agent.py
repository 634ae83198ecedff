"""Agents for tests: real ``caudal agent start`` processes, flows registered by the real CLI.

``AgentProcess`` starts an agent as a child process against a test server, with a short run
heartbeat (``HEARTBEAT_S``) so that cancellations are seen fast, and waits until it has
registered. ``register_flow_file`` writes a flow file and registers it with ``caudal register``
(Local storage under the test's ``CAUDAL_HOME``), as a user would. ``wait_until`` is the
bounded loop every test waits with.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HEARTBEAT_S = 1.0
"""Run heartbeats in tests: a cancel is seen within this long."""


def agent_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "CAUDAL__CLOUD__HEARTBEAT_INTERVAL_S": str(HEARTBEAT_S),
            **(extra or {})}


def caudal(url: str, *args: str, timeout: float = 120,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real ``caudal`` command against ``url``."""
    return subprocess.run([sys.executable, "-m", "caudal", *args], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "CAUDAL_API": url, **(env or {})})


def wait_until(check: Callable[[], Any], timeout: float = 60, interval: float = 0.1,
               what: str = "the condition") -> Any:
    """Call ``check`` until it returns something true; that value. Fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout:.0f} s for {what}; last: {value!r}")
        time.sleep(interval)


def register_flow_file(url: str, folder: Path, source: str, project: str = "tests",
                       filename: str = "flows.py") -> Path:
    """Write ``source`` (dedented) to ``folder/filename`` and register its flows."""
    path = folder / filename
    path.write_text(textwrap.dedent(source))
    created = caudal(url, "create", "project", project)
    assert created.returncode == 0 or "already exists" in created.stderr, created.stderr
    registered = caudal(url, "register", "--project", project, "--path", str(path))
    assert registered.returncode == 0, registered.stdout + registered.stderr
    return path


class AgentProcess:
    """``caudal agent start`` (or ``command``, such as ``("agent", "kubernetes", "start")``)
    in a child process, in folder ``cwd`` if given; ``output`` is everything it printed."""

    def __init__(self, url: str, *args: str, name: str = "test-agent",
                 env: dict[str, str] | None = None,
                 command: tuple[str, ...] = ("agent", "start"),
                 cwd: Path | None = None) -> None:
        self.url = url
        self.cwd = cwd
        self.name = name
        self.command = [sys.executable, "-m", "caudal", *command, "--api", url,
                        "--name", name, *args]
        self.env = agent_env(env)
        self.process: subprocess.Popen[bytes] | None = None
        self.health_url: str | None = None

    def __enter__(self) -> AgentProcess:
        return self.start()

    def start(self) -> AgentProcess:
        self.log = tempfile.NamedTemporaryFile(prefix="agent-", suffix=".log", delete=False)
        self.process = subprocess.Popen(self.command, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=self.cwd)
        wait_until(lambda: "registered" in self.output or self.process.poll() is not None,
                   timeout=60, what=f"agent '{self.name}' to register")
        if self.process.poll() is not None:
            raise RuntimeError(f"The agent exited at once:\n{self.output}")
        found = re.search(r"health: (http://\S+)", self.output)
        self.health_url = found.group(1) if found else None
        return self

    @property
    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def health(self) -> dict[str, Any]:
        assert self.health_url is not None
        return httpx.get(self.health_url, timeout=5).json()

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM, and wait for it to exit; its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        try:
            os.unlink(self.log.name)
        except OSError:
            pass
