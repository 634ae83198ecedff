"""Edge: one dependency between two tasks, optionally passing data under an argument name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caudal.core.task import Task

__all__ = ["Edge"]


class Edge:
    """``upstream_task`` must finish before ``downstream_task`` runs.

    Args:
        upstream_task: the task that runs first.
        downstream_task: the task that waits for it.
        key: the ``run()`` argument of the downstream task that receives the upstream result;
            ``None`` for a pure ordering edge.
        mapped: the downstream task maps over the upstream result.
        flattened: the upstream result (a list of lists) is flattened one level first.
    """

    __slots__ = ("upstream_task", "downstream_task", "key", "mapped", "flattened")

    def __init__(
        self,
        upstream_task: Task,
        downstream_task: Task,
        key: str | None = None,
        mapped: bool = False,
        flattened: bool = False,
    ) -> None:
        from caudal.core.task import Task  # edge.py is imported by task.py

        if not isinstance(upstream_task, Task) or not isinstance(downstream_task, Task):
            raise TypeError(
                f"An edge joins two tasks; got {type(upstream_task).__name__} -> "
                f"{type(downstream_task).__name__}."
            )
        if key is not None and not key.isidentifier():
            raise ValueError(f"Edge key '{key}' is not a valid Python argument name.")
        self.upstream_task = upstream_task
        self.downstream_task = downstream_task
        self.key = key
        self.mapped = mapped
        self.flattened = flattened

    @property
    def tasks(self) -> set[Task]:
        return {self.upstream_task, self.downstream_task}

    def _identity(self) -> tuple[Any, ...]:
        return (id(self.upstream_task), id(self.downstream_task), self.key, self.mapped,
                self.flattened)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Edge):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (
            f"<Edge(key={self.key}, mapped={self.mapped}, flattened={self.flattened}): "
            f"{self.upstream_task.name} to {self.downstream_task.name}>"
        )
