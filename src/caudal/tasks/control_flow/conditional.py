"""Branching: ``switch`` and ``ifelse`` skip the branches not taken; ``merge`` joins them."""

from __future__ import annotations

from typing import Any

from caudal import triggers
from caudal.core.task import Task
from caudal.engine import signals
from caudal.utilities.tasks import as_task, tags, task

__all__ = ["CompareValue", "Merge", "ifelse", "merge", "switch"]


class CompareValue(Task):
    """Succeeds when its input equals ``value``; otherwise SKIPs, and its downstream skip too."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        self.value = value
        kwargs.setdefault("name", f'CompareValue: "{value}"')
        super().__init__(**kwargs)

    def run(self, value: Any) -> None:
        if value != self.value:
            raise signals.SKIP(f'Provided value "{value}" did not match "{self.value}"')


class Merge(Task):
    """Returns the first non-None result among its inputs (the branch that ran)."""

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.setdefault("skip_on_upstream_skip", False):
            raise ValueError("Merge tasks must have `skip_on_upstream_skip=False`.")
        kwargs.setdefault("trigger", triggers.not_all_skipped)
        super().__init__(**kwargs)

    def run(self, **task_results: Any) -> Any:
        ordered = sorted(task_results.items(), key=lambda kv: int(kv[0][len("task_"):]))
        return next((v for _, v in ordered if v is not None), None)


def switch(condition: Task, cases: dict[Any, Any], mapped: bool = False) -> None:
    """Run the task of ``cases`` whose key equals the condition's result; skip the others.

    Example:
        >>> from caudal import Flow, task
        >>> from caudal.tasks.control_flow import switch, merge
        >>> @task
        ... def pick():
        ...     return "b"
        >>> with Flow("switch") as flow:
        ...     a = task(lambda: "A", name="a")()
        ...     b = task(lambda: "B", name="b")()
        ...     switch(pick(), {"a": a, "b": b})
        ...     out = merge(a, b)
        >>> flow.run().result[out].result
        'B'
    """
    with tags("switch"):
        for value, branch in cases.items():
            branch = as_task(branch)
            match = CompareValue(value=value).bind(value=condition, mapped=mapped)
            branch.set_dependencies(upstream_tasks=[match], mapped=mapped)


def ifelse(condition: Task, true_task: Any, false_task: Any, mapped: bool = False) -> None:
    """Run ``true_task`` when the condition's result is truthy, ``false_task`` otherwise."""

    @task
    def as_bool(x: Any) -> bool:
        return bool(x)

    cases = {c: t for c, t in ((True, true_task), (False, false_task)) if t is not None}
    if cases:
        switch(condition=as_bool(condition, mapped=mapped), cases=cases, mapped=mapped)


def merge(*tasks: Task, flow: Any = None, mapped: bool = False) -> Task:
    """A task returning the result of whichever of ``tasks`` ran (the first non-None one)."""
    return Merge().bind(**{f"task_{i}": t for i, t in enumerate(tasks, start=1)}, flow=flow,
                        mapped=mapped)
