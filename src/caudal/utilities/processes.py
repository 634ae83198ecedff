"""Process trees on Linux, read from ``/proc``: what a run started, so that it can be stopped.

A flow run's process may start others (a ``ShellTask``, a process pool, a tool that forks);
stopping the run means stopping all of them, including those that started a session of
their own and so left the run's process group.
"""

from __future__ import annotations

import os
import signal
import time

__all__ = ["alive", "descendants", "kill_tree"]


def _parents() -> dict[int, int]:
    """Each process's parent, for every process this user can see."""
    found: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            found[int(entry)] = int(fields[1])
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first), as ``/proc`` shows them now."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found: list[int] = []
    frontier = [pid]
    while frontier:
        below = [c for p in frontier for c in children.get(p, ())]
        found.extend(below)
        frontier = below
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] not in (b"Z", b"X")


def kill_tree(pid: int, include_self: bool = True, grace_s: float = 0.0) -> list[int]:
    """Stop ``pid``'s whole tree: SIGTERM, ``grace_s`` seconds to exit, then SIGKILL.

    Processes are found before any is signalled, so a child orphaned by its parent's death
    is still stopped. Returns the processes signalled.
    """
    targets = descendants(pid) + ([pid] if include_self else [])
    if grace_s > 0:
        _signal_all(targets, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(alive(p) for p in targets):
            time.sleep(0.05)
    _signal_all([p for p in targets if alive(p)], signal.SIGKILL)
    return targets


def _signal_all(pids: list[int], signum: int) -> None:
    for target in pids:
        try:
            os.kill(target, signum)
        except (ProcessLookupError, PermissionError):
            pass
