"""Annotations on task arguments that change how an edge is drawn: unmapped, mapped, flatten.

Example:
    >>> from caudal import task, Flow, unmapped, flatten
    >>> @task
    ... def scale(x, factor):
    ...     return x * factor
    >>> with Flow("scale") as flow:
    ...     out = scale.map(flatten([[1, 2], [3]]), unmapped(10))
    >>> flow.run().result[out].result
    [10, 20, 30]
"""

from __future__ import annotations

from typing import Any

__all__ = ["EdgeAnnotation", "flatten", "mapped", "unmapped"]


class EdgeAnnotation:
    """Wraps a task argument; the subclass says how the edge it becomes behaves."""

    annotations: dict[str, bool] = {}

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class mapped(EdgeAnnotation):
    """Map over this argument even when the task is called, not ``.map``-ed."""

    annotations = {"mapped": True}


class unmapped(EdgeAnnotation):
    """Pass this argument whole to every mapped child instead of mapping over it."""

    annotations = {"mapped": False}


class flatten(EdgeAnnotation):
    """Flatten a list of lists (or a mapped result of lists) by one level before use."""

    annotations = {"flattened": True}
