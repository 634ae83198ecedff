"""ShellTask: run a shell command as a task (the behaviour arrives with the executors issue)."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task
from caudal.exceptions import NotAvailableError

__all__ = ["ShellTask"]


class ShellTask(Task):
    """Runs a shell command; not available in this version yet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotAvailableError("ShellTask", "the executors and results issue")
