"""The local launcher: each flow run is a child process of the agent's machine.

The child gets a session of its own, so that stopping a run stops every process it
started, and so that it outlives its agent: an agent killed mid-run leaves its runs
running and reporting. Its output goes to a file (never a pipe, which would break when the
agent dies), from which the agent quotes the last lines when the run dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from caudal.agent.launcher import Launched, Launcher, LaunchSpec
from caudal.utilities.processes import kill_tree

__all__ = ["LocalLauncher", "LocalProcess", "oom_kills"]


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


class LocalLauncher(Launcher):
    """Starts each run as ``caudal execute flow-run ID`` in a child process.

    Args:
        output_dir: where each run's output file goes while it runs.
    """

    name = "local"

    def __init__(self, output_dir: str | os.PathLike[str]) -> None:
        self.output_dir = Path(output_dir)

    def launch(self, spec: LaunchSpec) -> LocalProcess:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        output = self.output_dir / f"{spec.flow_run_id}.out"
        with open(output, "wb") as handle:
            process = subprocess.Popen(
                spec.command, env=spec.env, cwd=spec.working_dir, stdout=handle,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return LocalProcess(process, output)
