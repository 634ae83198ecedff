"""Operator tasks: what ``x[0]``, ``x + 1``, ``x > 3`` or ``x.is_equal(y)`` become in a flow.

Each is a small task usable on its own too: ``GreaterThanOrEqual().run(3, 2)`` is ``True``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from caudal.core.task import NoDefault, Task, no_default

__all__ = [
    "Add", "And", "Div", "Equal", "FloorDiv", "GetAttr", "GetItem", "GreaterThan",
    "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "Mod", "Mul", "Not", "NotEqual",
    "Or", "Pow", "Sub",
]


class GetItem(Task):
    """``task_result[key]``, or ``default`` (when given) if the key is missing."""

    def __init__(self, default: Any = no_default, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def run(self, task_result: Any, key: Any, default: Any = no_default) -> Any:
        if isinstance(default, NoDefault):
            default = self.default
        try:
            return task_result[key]
        except KeyError:
            if isinstance(default, NoDefault):
                raise
            return default


class GetAttr(Task):
    """``getattr(task_result, attr)``, or ``default`` (when given) if it is missing."""

    def __init__(self, default: Any = no_default, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def run(self, task_result: Any, attr: str, default: Any = no_default) -> Any:
        if isinstance(default, NoDefault):
            default = self.default
        if isinstance(default, NoDefault):
            return getattr(task_result, attr)
        return getattr(task_result, attr, default)


def _binary(name: str, op: Callable[[Any, Any], Any], text: str) -> type[Task]:
    """A task class whose ``run(x, y)`` returns ``op(x, y)``."""

    def run(self: Task, x: Any, y: Any) -> Any:
        return op(x, y)

    run.__doc__ = f"Returns ``{text}``."
    return type(name, (Task,), {"run": run, "__doc__": f"Evaluates ``{text}``.",
                                "__module__": __name__})


Add = _binary("Add", operator.add, "x + y")
Sub = _binary("Sub", operator.sub, "x - y")
Mul = _binary("Mul", operator.mul, "x * y")
Div = _binary("Div", operator.truediv, "x / y")
FloorDiv = _binary("FloorDiv", operator.floordiv, "x // y")
Pow = _binary("Pow", operator.pow, "x ** y")
Mod = _binary("Mod", operator.mod, "x % y")
And = _binary("And", lambda x, y: x and y, "x and y")
Or = _binary("Or", lambda x, y: x or y, "x or y")
Equal = _binary("Equal", operator.eq, "x == y")
NotEqual = _binary("NotEqual", operator.ne, "x != y")
GreaterThan = _binary("GreaterThan", operator.gt, "x > y")
GreaterThanOrEqual = _binary("GreaterThanOrEqual", operator.ge, "x >= y")
LessThan = _binary("LessThan", operator.lt, "x < y")
LessThanOrEqual = _binary("LessThanOrEqual", operator.le, "x <= y")


class Not(Task):
    """Evaluates ``not x``."""

    def run(self, x: Any) -> bool:
        return not x
