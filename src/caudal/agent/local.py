"""The local launcher: each flow run is a child process of the agent's machine.

The child gets a session of its own, so that stopping a run stops every process it
started, and so that it outlives its agent: an agent killed mid-run leaves its runs
running and reporting. Its output goes to a file (never a pipe, which would break when the
agent dies), from which the agent quotes the last lines when the run dies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from caudal.agent.launcher import Launched, Launcher, LaunchSpec
from caudal.utilities.processes import kill_tree

__all__ = ["LocalAgent", "LocalLauncher", "LocalProcess", "oom_kills"]


def oom_kills() -> int | None:
    """How many processes the out-of-memory killer has killed in this process's cgroup
    (cgroup v2), or None where that cannot be read."""
    try:
        with open("/proc/self/cgroup") as handle:
            path = handle.read().strip().rsplit(":", 1)[-1]
        with open(f"/sys/fs/cgroup{path}/memory.events") as handle:
            for line in handle:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
    except (OSError, ValueError):
        return None
    return None


class LocalProcess(Launched):
    """A flow run's process on this machine."""

    def __init__(self, process: subprocess.Popen[bytes], output: Path) -> None:
        self.process = process
        self.output = output
        self.pid = process.pid
        self._oom_before = oom_kills()
        self._stopped = False

    def poll(self) -> int | None:
        return self.process.poll()

    def stop(self, grace_s: float) -> None:
        self._stopped = True
        kill_tree(self.pid, include_self=True, grace_s=grace_s)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def output_tail(self, lines: int = 20) -> str:
        try:
            with open(self.output, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - 16_384))
                text = handle.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip("\n").splitlines()[-lines:])

    def describe_exit(self, code: int) -> str:
        if code >= 0:
            return f"exited with code {code}"
        number = -code
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if self._stopped:
            return f"was stopped by its agent ({name})"
        if number == signal.SIGKILL:
            after = oom_kills()
            if after is not None and self._oom_before is not None and after > self._oom_before:
                return "was killed by the out-of-memory killer (SIGKILL): it ran out of memory"
            return ("was killed by SIGKILL (sent by 'kill -9' or by the out-of-memory killer "
                    "when memory runs out)")
        return f"was killed by {name}"

    def cleanup(self) -> None:
        try:
            self.output.unlink()
        except OSError:
            pass


def _warm_safe(key: str) -> bool:
    """Whether a run config variable can be set in an already started process: not one the
    interpreter (PYTHON*, LD_*) or caudal's configuration (CAUDAL*) read at start."""
    return not key.upper().startswith(("PYTHON", "LD_", "CAUDAL"))


class LocalLauncher(Launcher):
    """Starts each run as ``caudal execute flow-run ID`` in a child process.

    A run would wait for a new interpreter to import caudal (a few hundred milliseconds), so
    the launcher keeps ``warm`` processes started ahead: each has loaded the engine, the
    client and the storages, and waits for the agent to hand it a run (its id, on its
    standard input; it applies the run config's ``env`` and ``working_dir`` itself, as every
    run process does). A run whose ``env`` sets
    variables read when an interpreter starts (``PYTHON*``, ``LD_*``, ``CAUDAL*``) gets a
    fresh process instead.

    Args:
        output_dir: where each run's output file goes while it runs.
        warm: processes kept started ahead (0: none).
    """

    name = "local"

    def __init__(self, output_dir: str | os.PathLike[str], warm: int = 1) -> None:
        self.output_dir = Path(output_dir)
        self.warm = warm
        self._env: dict[str, str] | None = None
        self._ready: list[tuple[subprocess.Popen[bytes], Path]] = []

    def prepare(self, env: dict[str, str]) -> None:
        if env != self._env:  # started for another agent id: replaced
            self.close()
            self._env = dict(env)
        self._fill()

    def close(self) -> None:
        for process, output in self._ready:
            process.kill()
            process.wait(timeout=5)
            output.unlink(missing_ok=True)
        self._ready = []

    def _fill(self) -> None:
        if self._env is None:
            return
        while len(self._ready) < self.warm:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            output = self.output_dir / f"warm-{uuid.uuid4().hex[:12]}.out"
            with open(output, "wb") as handle:
                process = subprocess.Popen(
                    [sys.executable, "-m", "caudal", "execute", "flow-run", "--from-stdin"],
                    env=self._env, stdout=handle, stderr=subprocess.STDOUT,
                    stdin=subprocess.PIPE, start_new_session=True)
            self._ready.append((process, output))

    def launch(self, spec: LaunchSpec) -> LocalProcess:
        if spec.env == self._env and all(_warm_safe(k) for k in spec.run_env):
            launched = self._hand_to_warm(spec)
            if launched is not None:
                return launched
        self.output_dir.mkdir(parents=True, exist_ok=True)
        output = self.output_dir / f"{spec.flow_run_id}.out"
        with open(output, "wb") as handle:
            process = subprocess.Popen(
                spec.command, env={**spec.env, **spec.run_env}, cwd=spec.working_dir,
                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        return LocalProcess(process, output)

    def _hand_to_warm(self, spec: LaunchSpec) -> LocalProcess | None:
        """Give the run to a warm process, and start the next one; None if none is alive."""
        while self._ready:
            process, output = self._ready.pop(0)
            if process.poll() is not None:  # it died waiting (its output says why)
                output.unlink(missing_ok=True)
                continue
            order = {"flow_run_id": spec.flow_run_id}
            try:
                assert process.stdin is not None
                process.stdin.write(json.dumps(order).encode() + b"\n")
                process.stdin.close()
            except OSError:
                process.kill()
                output.unlink(missing_ok=True)
                continue
            named = self.output_dir / f"{spec.flow_run_id}.out"
            os.replace(output, named)  # the process keeps writing to the renamed file
            self._fill()
            return LocalProcess(process, named)
        self._fill()
        return None


from caudal.agent.agents import LocalAgent  # noqa: E402 (Prefect 0.15's path to it)
