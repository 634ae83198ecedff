"""What the values given to a task call become in a flow: tasks, edge annotations, constants.

A task is itself; ``unmapped(x)`` / ``mapped(x)`` / ``flatten(x)`` annotate the edge ``x``
makes; a list, tuple, set or dict holding tasks becomes a collection task bound in the flow;
any other value is a constant argument, or a ``Constant`` task where a task is needed.
"""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task
from caudal.utilities.edges import EdgeAnnotation

__all__ = ["constant_class", "holds_task", "task_for", "unwrap_annotations"]


def constant_class() -> type:
    """The ``Constant`` task class (imported on first use: ``caudal.tasks.core`` builds on core)."""
    from caudal.tasks.core.constants import Constant

    return Constant


def unwrap_annotations(value: Any) -> tuple[Any, dict[str, bool]]:
    """Unwrap nested edge annotations (``unmapped(flatten(x))``), merging what they say.

    Returns:
        The innermost value, and the annotations (``mapped``, ``flattened``), outermost first.
    """
    ann: dict[str, bool] = {}
    while isinstance(value, EdgeAnnotation):
        for k, v in value.annotations.items():
            ann.setdefault(k, v)
        value = value.value
    return value, ann


def holds_task(value: Any) -> bool:
    """Whether ``value`` is a task or a (nested) list, tuple, set or dict holding one."""
    if isinstance(value, Task):
        return True
    if isinstance(value, list | tuple | set):
        return any(holds_task(v) for v in value)
    if isinstance(value, dict):
        return any(holds_task(k) or holds_task(v) for k, v in value.items())
    return False


def task_for(value: Any, force: bool, flow: Any = None) -> Task | None:
    """The task standing for ``value``: itself, a collection task, a Constant, or None.

    ``force`` makes a Constant of a plain value (mapped arguments and explicit dependencies
    need a task); otherwise a plain value returns None and is kept as a constant argument.
    Collection tasks are bound in ``flow``.
    """
    if isinstance(value, Task):
        return value
    if isinstance(value, EdgeAnnotation):
        return task_for(unwrap_annotations(value)[0], force, flow)
    # Collections and constants are tasks from caudal.tasks.core, which builds on core.
    from caudal.tasks.core import collections as coll

    if holds_task(value):
        if isinstance(value, dict):
            keys, vals = list(value.keys()), list(value.values())
            return coll.Dict().bind(keys=keys, values=vals, flow=flow)
        kinds = {tuple: coll.Tuple, set: coll.Set, frozenset: coll.Set}
        return kinds.get(type(value), coll.List)().bind(*value, flow=flow)
    if force:
        return constant_class()(value)
    return None
