"""``case``: tasks created in the block run only when a task's result equals a value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from caudal.core.task import Task
from caudal.utilities.context import context

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["case"]


class case:  # noqa: N801 - Prefect's name, used as a context manager
    """Make the tasks created in the block depend on ``task``'s result being ``value``.

    When it is not, the block's tasks are skipped (and whatever depends on them, unless it
    sets ``skip_on_upstream_skip=False``). Cases nest.

    Example:
        >>> from caudal import Flow, case, task
        >>> @task
        ... def is_weekend():
        ...     return False
        >>> with Flow("case") as flow:
        ...     with case(is_weekend(), True):
        ...         rest = task(lambda: "rest", name="rest")()
        >>> flow.run().result[rest]
        <Skipped: "Upstream task was skipped; if this was not the intended behavior, consider changing `skip_on_upstream_skip=False` for this task.">
    """

    def __init__(self, task: Task, value: Any) -> None:
        if isinstance(value, Task):
            raise TypeError("`value` cannot be a task; `case` compares a task's result to a constant.")
        self.task = task
        self.value = value
        self._tasks: set[Task] = set()
        self._flow: Flow | None = None
        self._outer: Any = None
        self._token: Any = None

    def add_task(self, task: Task, flow: Flow) -> None:
        """Called by the flow for each task created inside the block."""
        if self._flow is None:
            self._flow = flow
        elif self._flow is not flow:
            raise ValueError("Tasks created in one `case` block must belong to one flow.")
        self._tasks.add(task)

    def __enter__(self) -> case:
        self._outer = context.get("case")
        context["case"] = self
        return self

    def __exit__(self, *exc: Any) -> None:
        context["case"] = self._outer
        if exc[0] is not None or not self._tasks or self._flow is None:
            return
        from caudal.tasks.control_flow.conditional import CompareValue

        flow = self._flow
        cond = CompareValue(self.value, name=f"case({self.value})").bind(value=self.task,
                                                                        flow=flow)
        for child in self._tasks:
            # A task with an upstream task in the block already waits on the condition.
            if not self._tasks & flow.upstream_tasks(child):
                child.set_upstream(cond, flow=flow)
