"""Constant: a task whose result is a fixed value (made for mapped or explicit plain values)."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task

__all__ = ["Constant"]


class Constant(Task):
    """A task that returns ``value``.

    The engine does not "run" constants: their state is ``Success`` with the value, with no
    log lines, as in Prefect 0.15.

    Example:
        >>> Constant([1, 2]).run()
        [1, 2]
    """

    def __init__(self, value: Any, name: str | None = None, **kwargs: Any) -> None:
        self.value = value
        if name is None:
            # Short values name themselves ("5", "[1, 2]"), longer ones by type, as in Prefect.
            shown = repr(value)
            name = shown if len(shown) <= 8 else f"Constant[{type(value).__name__}]"
        super().__init__(name=name, **kwargs)

    def run(self) -> Any:
        return self.value
