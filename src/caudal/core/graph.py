"""A flow's graph as data: the sets that count their changes, the edge index and the sort.

Prefect 0.15 code edits ``flow.tasks`` and ``flow.edges`` by hand (``flow.edges.remove(e)``),
so the index a flow keeps over those sets must notice any change to them, not only the ones
``Flow``'s own methods make: each set counts its changes, and the index remembers the counts
it was built at.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

from caudal.core.edge import Edge
from caudal.core.task import Task
from caudal.exceptions import FlowValidationError

__all__ = ["EdgeIndex", "TaskGraph", "TrackedSet", "describe_cycle", "downstream_closure",
           "sort_tasks"]


class TrackedSet(set):
    """A set that counts the changes made to it, so an index built from it knows when it is
    stale. It is a ``set`` in every other way (it compares equal to a plain set with the same
    members)."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.changes = 0

    def add(self, item: Any) -> None:
        super().add(item)
        self.changes += 1

    def discard(self, item: Any) -> None:
        super().discard(item)
        self.changes += 1

    def remove(self, item: Any) -> None:
        super().remove(item)
        self.changes += 1

    def pop(self) -> Any:
        item = super().pop()
        self.changes += 1
        return item

    def clear(self) -> None:
        super().clear()
        self.changes += 1

    def update(self, *others: Iterable[Any]) -> None:
        super().update(*others)
        self.changes += 1

    def difference_update(self, *others: Iterable[Any]) -> None:
        super().difference_update(*others)
        self.changes += 1

    def intersection_update(self, *others: Iterable[Any]) -> None:
        super().intersection_update(*others)
        self.changes += 1

    def symmetric_difference_update(self, other: Iterable[Any]) -> None:
        super().symmetric_difference_update(other)
        self.changes += 1

    def __ior__(self, other: Any) -> TrackedSet:  # type: ignore[override]
        if super().__ior__(other) is NotImplemented:  # not a set: Python raises TypeError
            return NotImplemented
        self.changes += 1
        return self

    def __iand__(self, other: Any) -> TrackedSet:
        if super().__iand__(other) is NotImplemented:  # not a set: Python raises TypeError
            return NotImplemented
        self.changes += 1
        return self

    def __isub__(self, other: Any) -> TrackedSet:
        if super().__isub__(other) is NotImplemented:  # not a set: Python raises TypeError
            return NotImplemented
        self.changes += 1
        return self

    def __ixor__(self, other: Any) -> TrackedSet:  # type: ignore[override]
        if super().__ixor__(other) is NotImplemented:  # not a set: Python raises TypeError
            return NotImplemented
        self.changes += 1
        return self


class EdgeIndex:
    """The edges of a graph by downstream task (``to``) and by upstream task (``frm``).

    The index remembers which sets it was built from and their change counts;
    ``is_current`` answers whether they are still the same sets, unchanged since. ``Flow``
    records its own additions with ``add_task`` / ``add_edge`` instead of rebuilding.
    """

    __slots__ = ("to", "frm", "sorted", "_tasks", "_edges", "_stamp")

    def __init__(self, tasks: TrackedSet, edges: TrackedSet) -> None:
        self.to: dict[Task, set[Edge]] = {t: set() for t in tasks}
        self.frm: dict[Task, set[Edge]] = {t: set() for t in tasks}
        for e in edges:
            self.to.setdefault(e.downstream_task, set()).add(e)
            self.frm.setdefault(e.upstream_task, set()).add(e)
        self.sorted: tuple[Task, ...] | None = None  # the whole flow's order, once computed
        self._tasks, self._edges = tasks, edges
        self._stamp = (tasks.changes, edges.changes)

    def is_current(self, tasks: TrackedSet, edges: TrackedSet) -> bool:
        """Whether the index still describes ``tasks`` and ``edges``."""
        return (tasks is self._tasks and edges is self._edges
                and self._stamp == (tasks.changes, edges.changes))

    def add_task(self, task: Task) -> None:
        """Record a task just added to the indexed set."""
        self.to.setdefault(task, set())
        self.frm.setdefault(task, set())
        self._added()

    def add_edge(self, edge: Edge) -> None:
        """Record an edge just added to the indexed set."""
        self.to.setdefault(edge.downstream_task, set()).add(edge)
        self.frm.setdefault(edge.upstream_task, set()).add(edge)
        self._added()

    def _added(self) -> None:
        self.sorted = None
        self._stamp = (self._tasks.changes, self._edges.changes)


class TaskGraph:
    """A graph of tasks: the sets ``tasks`` and ``edges`` and the questions asked of them.

    ``Flow`` builds on it (names, slugs, constants, running); this part holds the index that
    answers ``upstream_tasks``, ``root_tasks``, ``sorted_tasks`` and the rest, and keeps it
    true when the sets are edited by hand.
    """

    name: str

    def __init__(self) -> None:
        self._tasks = TrackedSet()
        self._edges = TrackedSet()
        self._order: dict[Task, int] = {}  # the order tasks were added: ties in sorted_tasks
        self._graph: EdgeIndex | None = None

    @property
    def tasks(self) -> set[Task]:
        """The graph's tasks. Edit the set by hand if you must: the graph notices."""
        return self._tasks

    @tasks.setter
    def tasks(self, value: Iterable[Task]) -> None:
        self._tasks = value if isinstance(value, TrackedSet) else TrackedSet(value)

    @property
    def edges(self) -> set[Edge]:
        """The graph's edges. Edit the set by hand if you must: the graph notices."""
        return self._edges

    @edges.setter
    def edges(self, value: Iterable[Edge]) -> None:
        self._edges = value if isinstance(value, TrackedSet) else TrackedSet(value)

    def _index(self) -> EdgeIndex:
        """The edge index, rebuilt when ``tasks`` or ``edges`` changed behind the graph's back
        (Prefect code edits ``flow.edges`` by hand); the flow's own additions update it."""
        graph = self._graph
        if graph is None or not graph.is_current(self._tasks, self._edges):
            graph = self._graph = EdgeIndex(self._tasks, self._edges)
        return graph

    def edges_to(self, task: Task) -> set[Edge]:
        """The edges ending at ``task``."""
        return set(self._index().to.get(task, ()))

    def edges_from(self, task: Task) -> set[Edge]:
        """The edges starting at ``task``."""
        return set(self._index().frm.get(task, ()))

    def upstream_tasks(self, task: Task) -> set[Task]:
        """The tasks ``task`` waits for."""
        return {e.upstream_task for e in self._index().to.get(task, ())}

    def downstream_tasks(self, task: Task) -> set[Task]:
        """The tasks that wait for ``task``."""
        return {e.downstream_task for e in self._index().frm.get(task, ())}

    def all_upstream_edges(self) -> dict[Task, set[Edge]]:
        to = self._index().to
        return {t: set(to.get(t, ())) for t in self._tasks}

    def all_downstream_edges(self) -> dict[Task, set[Edge]]:
        frm = self._index().frm
        return {t: set(frm.get(t, ())) for t in self._tasks}

    def root_tasks(self) -> set[Task]:
        """Tasks with no upstream tasks."""
        to = self._index().to
        return {t for t in self._tasks if not to.get(t)}

    def terminal_tasks(self) -> set[Task]:
        """Tasks with no downstream tasks."""
        frm = self._index().frm
        return {t for t in self._tasks if not frm.get(t)}

    def sorted_tasks(self, root_tasks: Iterable[Task] | None = None) -> tuple[Task, ...]:
        """Every task after all of its upstream tasks; ties keep the order tasks were added.

        Raises:
            FlowValidationError: the graph has a cycle (the message names it).
        """
        graph = self._index()
        if root_tasks is None:
            if graph.sorted is None:
                graph.sorted = sort_tasks(self.name, set(self._tasks), graph, self._order)
            return graph.sorted
        return sort_tasks(self.name, downstream_closure(root_tasks, graph), graph, self._order)


def sort_tasks(flow_name: str, scope: set[Task], index: EdgeIndex, order: dict[Task, int]
               ) -> tuple[Task, ...]:
    """The tasks of ``scope``, each after all of its upstream tasks in ``scope``; ties keep
    ``order`` (the order tasks were added to the flow).

    Raises:
        FlowValidationError: the graph has a cycle (the message names it).
    """
    to, frm = index.to, index.frm
    missing = len(order)
    rank = {t: order.get(t, missing) for t in scope}
    waiting = {t: len({e.upstream_task for e in to.get(t, ()) if e.upstream_task in scope})
               for t in scope}
    ready = [(rank[t], id(t), t) for t, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    result: list[Task] = []
    while ready:
        _, _, t = heapq.heappop(ready)
        result.append(t)
        for down in {e.downstream_task for e in frm.get(t, ())}:
            if down in waiting:
                waiting[down] -= 1
                if waiting[down] == 0:
                    heapq.heappush(ready, (rank[down], id(down), down))
    if len(result) < len(scope):
        raise FlowValidationError(describe_cycle(flow_name, scope - set(result), index, order))
    return tuple(result)


def downstream_closure(roots: Iterable[Task], index: EdgeIndex) -> set[Task]:
    """``roots`` and every task downstream of them."""
    scope: set[Task] = set()
    todo = list(roots)
    while todo:
        t = todo.pop()
        if t not in scope:
            scope.add(t)
            todo.extend(e.downstream_task for e in index.frm.get(t, ()))
    return scope


def describe_cycle(flow_name: str, stuck: set[Task], index: EdgeIndex, order: dict[Task, int]
                   ) -> str:
    """Find one cycle among ``stuck`` tasks and describe it by task names."""
    start = min(stuck, key=lambda t: order.get(t, 0))
    path: list[Task] = [start]
    seen = {start: 0}
    current = start
    while True:
        nxt = next(e.upstream_task for e in index.to[current] if e.upstream_task in stuck)
        if nxt in seen:
            loop = path[seen[nxt]:] + [nxt]
            break
        seen[nxt] = len(path)
        path.append(nxt)
        current = nxt
    names = " -> ".join(f"'{t.name}'" for t in reversed(loop))
    return (f"Flows must be acyclic! Flow '{flow_name}' has a cycle: {names}. "
            "Remove one of these dependencies.")
