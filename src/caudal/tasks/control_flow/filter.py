"""FilterTask: drop unwanted results (None, errors, or your own test) from a mapped output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from caudal import triggers
from caudal.core.task import Task

__all__ = ["FilterTask"]


class FilterTask(Task):
    """Keeps the results for which ``filter_func`` is true (default: not None, not an error).

    Runs even when some upstream children failed or skipped (``all_finished`` trigger), which
    is the point: filter out what did not work and carry on with the rest.

    Example:
        >>> FilterTask().run([1, None, ValueError("x"), 3])
        [1, 3]
    """

    def __init__(self, filter_func: Callable[[Any], bool] | None = None,
                 log_func: Callable[[list[Any]], str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("skip_on_upstream_skip", False)
        kwargs.setdefault("trigger", triggers.all_finished)
        self.filter_func = filter_func or (lambda r: not isinstance(r, type(None) | Exception))
        self.log_func = log_func
        super().__init__(**kwargs)

    def run(self, task_results: list[Any]) -> list[Any]:
        kept = [r for r in task_results if self.filter_func(r)]
        if self.log_func is not None:
            self.logger.info(self.log_func(kept))
        return kept
