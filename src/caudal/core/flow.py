"""Flow: a graph of tasks and the edges between them; ``flow.run()`` hands it to the engine."""

from __future__ import annotations

import collections
import copy as _copy
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from caudal.core.edge import Edge
from caudal.core.parameter import Parameter
from caudal.core.task import Task, failure_handler
from caudal.exceptions import FlowValidationError
from caudal.utilities.context import context
from caudal.utilities.edges import EdgeAnnotation
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from caudal.engine.state import State

__all__ = ["Flow"]


class Flow:
    """A named graph of tasks, built in a ``with Flow(...)`` block or with the functional API.

    Args:
        name: the flow's name; it identifies the flow on the server too.
        schedule: when the flow runs (``caudal.schedules``).
        executor: how its tasks are executed (``LocalExecutor`` by default).
        environment: kept for Prefect 0.15 code that still passes one.
        run_config: how an agent should launch it (``caudal.run_configs``).
        storage: where its code is stored when registered (``caudal.storage``).
        tasks: tasks to add right away.
        edges: edges to add right away.
        reference_tasks: the tasks whose states decide the flow's state (default: terminal tasks).
        state_handlers: callables ``(flow, old_state, new_state) -> state | None``.
        on_failure: callable ``(flow, state)`` called when the flow run fails.
        validate: check the graph for cycles as each edge is added.
        result: the default result for its tasks.
        terminal_state_handler: callable ``(flow, state, reference_states) -> state | None``
            that may change the final state.

    Example:
        >>> from caudal import Flow, Parameter, task
        >>> @task
        ... def double(x):
        ...     return 2 * x
        >>> with Flow("double") as flow:
        ...     out = double(Parameter("x", default=4))
        >>> state = flow.run()
        >>> state.is_successful(), state.result[out].result
        (True, 8)
    """

    def __init__(
        self,
        name: str,
        schedule: Any = None,
        executor: Any = None,
        environment: Any = None,
        run_config: Any = None,
        storage: Any = None,
        tasks: Iterable[Task] | None = None,
        edges: Iterable[Edge] | None = None,
        reference_tasks: Iterable[Task] | None = None,
        state_handlers: list[Callable[..., Any]] | None = None,
        on_failure: Callable[..., Any] | None = None,
        validate: bool | None = None,
        result: Any = None,
        terminal_state_handler: Callable[..., Any] | None = None,
    ) -> None:
        if not name:
            raise ValueError("A flow must have a name.")
        self.name = name
        self.schedule = schedule
        self.executor = executor
        self.environment = environment
        self.run_config = run_config
        self.storage = storage
        self.result = result
        self.terminal_state_handler = terminal_state_handler

        self.tasks: set[Task] = set()
        self.edges: set[Edge] = set()
        self.constants: collections.defaultdict[Task, dict[str, Any]] = (
            collections.defaultdict(dict)
        )
        self.slugs: dict[Task, str] = {}
        self._order: dict[Task, int] = {}
        self._slug_counters: collections.defaultdict[str, Iterator[int]] = (
            collections.defaultdict(lambda: itertools.count(1))
        )
        self._reference_tasks: set[Task] = set()
        self._version = 0
        self._cache: dict[str, Any] = {}
        self._contexts = ExitStack()

        if state_handlers is not None and not isinstance(state_handlers, Iterable):
            raise TypeError("state_handlers should be iterable.")
        self.state_handlers: list[Callable[..., Any]] = list(state_handlers or [])
        if on_failure is not None:
            self.state_handlers.append(failure_handler(on_failure))
        self.on_failure = on_failure
        self.validate_edges = validate

        for t in tasks or ():
            self.add_task(t)
        for e in edges or ():
            self.add_edge(e.upstream_task, e.downstream_task, key=e.key, mapped=e.mapped,
                          flattened=e.flattened, validate=False)
        if reference_tasks:
            self.set_reference_tasks(reference_tasks)

    def __repr__(self) -> str:
        return f'<Flow: name="{self.name}">'

    __str__ = __repr__

    def __iter__(self) -> Iterator[Task]:
        return iter(self.sorted_tasks())

    def __enter__(self) -> Flow:
        self._contexts.enter_context(context(flow=self))
        return self

    def __exit__(self, *exc: Any) -> None:
        self._contexts.close()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_slug_counters"] = {k: _peek(v) for k, v in self._slug_counters.items()}
        state["_contexts"] = None
        state["_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        counters = state.pop("_slug_counters")
        self.__dict__.update(state)
        self._slug_counters = collections.defaultdict(lambda: itertools.count(1))
        for prefix, nxt in counters.items():
            self._slug_counters[prefix] = itertools.count(nxt)
        self._contexts = ExitStack()

    @property
    def logger(self) -> Any:
        return get_logger(self.name)

    # ------------------------------------------------------------------ building the graph

    def _changed(self) -> None:
        """The graph changed: drop the cached sort (the index is kept up to date)."""
        self._version += 1
        self._cache.pop("sorted", None)

    def _slug_for(self, task: Task) -> str:
        prefix = "-".join([task.name, *sorted(task.tags)])
        taken = set(self.slugs.values())
        while True:
            slug = f"{prefix}-{next(self._slug_counters[prefix])}"
            if slug not in taken:
                return slug

    def add_task(self, task: Task) -> Task:
        """Add ``task`` to the flow (once); returns it.

        Raises:
            TypeError: ``task`` is not a Task.
            ValueError: another task in the flow has the same slug (e.g. two parameters with
                one name).
        """
        if not isinstance(task, Task):
            raise TypeError(
                f"Tasks must be Task instances (received {type(task).__name__}: {task!r})."
            )
        if task in self.tasks:
            return task
        if task.slug is not None and task.slug in self.slugs.values():
            kind = "parameter" if isinstance(task, Parameter) else "task"
            raise ValueError(
                f'A task with the slug "{task.slug}" already exists in flow \'{self.name}\' '
                f"(a {kind} name must be unique in its flow)."
            )
        self._index()  # bring the index up to date before it learns of the new task
        self.tasks.add(task)
        self._index_add(task=task)
        self._order[task] = len(self._order)
        self.slugs[task] = task.slug or self._slug_for(task)
        self._changed()
        # Parameters and constants are inputs, not steps: a case or resource block never
        # gates them.
        case_block, resource_block = context.get("case"), context.get("resource")
        if (case_block is not None or resource_block is not None) and not isinstance(
            task, Parameter | _constant_cls()
        ):
            if case_block is not None:
                case_block.add_task(task, self)
            if resource_block is not None:
                resource_block.add_task(task, self)
        return task

    def add_edge(
        self,
        upstream_task: Any,
        downstream_task: Any,
        key: str | None = None,
        mapped: bool = False,
        flattened: bool = False,
        validate: bool | None = None,
    ) -> Edge:
        """Add an edge (and its tasks) to the flow; returns it.

        Raises:
            ValueError: ``key`` is already bound for ``downstream_task``, or (when validating)
                the edge creates a cycle.
        """
        edge = Edge(upstream_task, downstream_task, key=key, mapped=mapped, flattened=flattened)
        if key is not None and not mapped and not flattened and isinstance(
            upstream_task, _constant_cls()
        ):
            # A Constant passed whole as an argument is just a value: keep it out of the graph.
            self.add_task(downstream_task)
            self.constants[downstream_task][key] = upstream_task.value
            self._changed()
            return edge
        self.add_task(upstream_task)
        self.add_task(downstream_task)
        if key is not None:
            for existing in self.edges_to(downstream_task):
                if existing.key == key:
                    raise ValueError(
                        f"Argument '{key}' for task '{downstream_task.name}' has already been "
                        f"assigned in flow '{self.name}'; it cannot receive two values."
                    )
        if edge not in self.edges:
            self._index()
            self.edges.add(edge)
            self._index_add(edge=edge)
        self._changed()
        if validate or (validate is None and self.validate_edges):
            self.validate()
        return edge

    def set_dependencies(
        self,
        task: Any,
        upstream_tasks: Iterable[Any] | None = None,
        downstream_tasks: Iterable[Any] | None = None,
        keyword_tasks: Mapping[str, Any] | None = None,
        mapped: bool = False,
        validate: bool | None = None,
    ) -> None:
        """Add ``task`` with its upstream tasks, downstream tasks and keyword arguments.

        Keyword values that are tasks (or collections holding tasks) become edges; other values
        are stored as the task's constants. When ``mapped``, every argument not wrapped in
        ``unmapped`` is mapped over.
        """
        if mapped and context.get("mapped"):
            raise ValueError(
                f"Task '{getattr(task, 'name', task)}' is mapped inside a function given to "
                "apply_map, which already maps every task it creates: call the task without "
                "`.map` (or mapped=True) there."
            )
        task = _as_task(task, force=True, flow=self)
        self.add_task(task)
        for item in upstream_tasks or ():
            value, ann = _peel(item)
            up = _as_task(value, force=True, flow=self)
            self.add_edge(up, task, mapped=ann.get("mapped", mapped), validate=validate)
        for item in downstream_tasks or ():
            down = _as_task(_peel(item)[0], force=True, flow=self)
            self.add_edge(task, down, validate=validate)
        for key, item in (keyword_tasks or {}).items():
            value, ann = _peel(item)
            is_mapped = ann.get("mapped", mapped)
            flattened = ann.get("flattened", False)
            up = _as_task(value, force=is_mapped or flattened, flow=self)
            if up is None:
                self.constants[task][key] = value
            else:
                self.add_edge(up, task, key=key, mapped=is_mapped, flattened=flattened,
                              validate=validate)
        self._changed()

    def chain(self, *tasks: Any, validate: bool | None = None) -> list[Edge]:
        """Make each task run after the one before it; returns the new edges."""
        as_tasks = [_as_task(t, force=True, flow=self) for t in tasks]
        return [self.add_edge(a, b, validate=validate) for a, b in zip(as_tasks, as_tasks[1:],
                                                                      strict=False)]

    def update(self, flow: Flow, merge_parameters: bool = False, validate: bool | None = None
               ) -> None:
        """Add every task, edge and constant of ``flow`` to this flow."""
        mine = {p.name: p for p in self.parameters()}
        swap: dict[Task, Task] = {}
        for t in flow.sorted_tasks():
            if merge_parameters and isinstance(t, Parameter) and t.name in mine:
                swap[t] = mine[t.name]
                continue
            self.add_task(t)
        for e in flow.edges:
            up = swap.get(e.upstream_task, e.upstream_task)
            down = swap.get(e.downstream_task, e.downstream_task)
            self.add_edge(up, down, key=e.key, mapped=e.mapped, flattened=e.flattened,
                          validate=False)
        for t, consts in flow.constants.items():
            self.constants[swap.get(t, t)].update(consts)
        if validate:
            self.validate()

    def replace(self, old: Task, new: Any, validate: bool = True) -> None:
        """Put ``new`` in the place of ``old``: same edges, same constants, same reference role."""
        new = _as_task(new, force=True, flow=self)
        if old not in self.tasks:
            raise ValueError(f"Task '{old.name}' is not in flow '{self.name}'.")
        incoming, outgoing = self.edges_to(old), self.edges_from(old)
        self.edges -= incoming | outgoing
        self.tasks.discard(old)
        self._order.pop(old, None)
        self.slugs.pop(old, None)
        self._cache.clear()
        self._changed()
        self.add_task(new)
        for e in incoming:
            self.add_edge(e.upstream_task, new, key=e.key, mapped=e.mapped,
                          flattened=e.flattened, validate=False)
        for e in outgoing:
            self.add_edge(new, e.downstream_task, key=e.key, mapped=e.mapped,
                          flattened=e.flattened, validate=False)
        if old in self.constants:
            self.constants[new] = self.constants.pop(old)
        if old in self._reference_tasks:
            self._reference_tasks = (self._reference_tasks - {old}) | {new}
        if validate:
            self.validate()

    # ------------------------------------------------------------------ reading the graph

    def _index(self) -> tuple[dict[Task, set[Edge]], dict[Task, set[Edge]]]:
        """Edges by downstream and by upstream task, kept up to date as the graph grows.

        Rebuilt from ``tasks`` and ``edges`` when those were changed directly (Prefect code
        sometimes edits ``flow.edges`` by hand).
        """
        cached = self._cache.get("index")
        if cached is not None and cached[0] == (len(self.tasks), len(self.edges)):
            return cached[1], cached[2]
        to: dict[Task, set[Edge]] = {t: set() for t in self.tasks}
        frm: dict[Task, set[Edge]] = {t: set() for t in self.tasks}
        for e in self.edges:
            to.setdefault(e.downstream_task, set()).add(e)
            frm.setdefault(e.upstream_task, set()).add(e)
        self._cache["index"] = ((len(self.tasks), len(self.edges)), to, frm)
        return to, frm

    def _index_add(self, task: Task | None = None, edge: Edge | None = None) -> None:
        """Record a new task or edge in the index without rebuilding it."""
        cached = self._cache.get("index")
        if cached is None:
            return
        (n_tasks, n_edges), to, frm = cached
        if task is not None:
            to.setdefault(task, set())
            frm.setdefault(task, set())
            n_tasks += 1
        if edge is not None:
            to.setdefault(edge.downstream_task, set()).add(edge)
            frm.setdefault(edge.upstream_task, set()).add(edge)
            n_edges += 1
        self._cache["index"] = ((n_tasks, n_edges), to, frm)

    def edges_to(self, task: Task) -> set[Edge]:
        """The edges ending at ``task``."""
        return set(self._index()[0].get(task, ()))

    def edges_from(self, task: Task) -> set[Edge]:
        """The edges starting at ``task``."""
        return set(self._index()[1].get(task, ()))

    def upstream_tasks(self, task: Task) -> set[Task]:
        """The tasks ``task`` waits for."""
        return {e.upstream_task for e in self._index()[0].get(task, ())}

    def downstream_tasks(self, task: Task) -> set[Task]:
        """The tasks that wait for ``task``."""
        return {e.downstream_task for e in self._index()[1].get(task, ())}

    def all_upstream_edges(self) -> dict[Task, set[Edge]]:
        to, _ = self._index()
        return {t: set(to.get(t, ())) for t in self.tasks}

    def all_downstream_edges(self) -> dict[Task, set[Edge]]:
        _, frm = self._index()
        return {t: set(frm.get(t, ())) for t in self.tasks}

    def root_tasks(self) -> set[Task]:
        """Tasks with no upstream tasks."""
        to, _ = self._index()
        return {t for t in self.tasks if not to.get(t)}

    def terminal_tasks(self) -> set[Task]:
        """Tasks with no downstream tasks."""
        _, frm = self._index()
        return {t for t in self.tasks if not frm.get(t)}

    def reference_tasks(self) -> set[Task]:
        """The tasks whose states decide the flow run's state.

        By default the terminal tasks, looking past resource managers: their init and cleanup
        tasks never count, and a task followed only by cleanups is terminal.
        """
        if self._reference_tasks:
            return set(self._reference_tasks)
        init_cls, cleanup_cls = _resource_classes()
        _, frm = self._index()
        return {
            t for t in self.tasks
            if not isinstance(t, init_cls | cleanup_cls)
            and all(isinstance(e.downstream_task, cleanup_cls) for e in frm.get(t, ()))
        }

    def set_reference_tasks(self, tasks: Iterable[Task]) -> None:
        """Let these tasks, and only these, decide whether the flow run succeeded.

        Raises:
            ValueError: a task is not in the flow.
        """
        tasks = set(tasks)
        missing = [t.name for t in tasks if t not in self.tasks]
        if missing:
            raise ValueError(
                f"Reference tasks must be part of flow '{self.name}'; not in it: "
                + ", ".join(f"'{m}'" for m in missing)
            )
        self._reference_tasks = tasks

    def parameters(self) -> set[Parameter]:
        """The flow's parameters."""
        return {t for t in self.tasks if isinstance(t, Parameter)}

    def get_tasks(
        self,
        name: str | None = None,
        slug: str | None = None,
        tags: Iterable[str] | None = None,
        task_type: type | None = None,
    ) -> list[Task]:
        """The tasks matching every criterion given (name, slug, all of ``tags``, type)."""
        wanted_tags = set(tags or ())
        return [
            t
            for t in self.sorted_tasks()
            if (name is None or t.name == name)
            and (slug is None or self.slugs.get(t) == slug)
            and wanted_tags <= t.tags
            and (task_type is None or isinstance(t, task_type))
        ]

    def sorted_tasks(self, root_tasks: Iterable[Task] | None = None) -> tuple[Task, ...]:
        """Every task after all of its upstream tasks; ties keep the order tasks were added.

        Raises:
            FlowValidationError: the graph has a cycle (the message names it).
        """
        if root_tasks is None:
            cached = self._cache.get("sorted")
            if cached is not None and cached[0] == (len(self.tasks), len(self.edges)):
                return cached[1]
        to, frm = self._index()
        scope = set(self.tasks)
        if root_tasks is not None:
            scope = set()
            todo = list(root_tasks)
            while todo:
                t = todo.pop()
                if t not in scope:
                    scope.add(t)
                    todo.extend(e.downstream_task for e in frm.get(t, ()))
        order = self._order
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
            raise FlowValidationError(self._describe_cycle(set(scope) - set(result)))
        sorted_result = tuple(result)
        if root_tasks is None:
            self._cache["sorted"] = ((len(self.tasks), len(self.edges)), sorted_result)
        return sorted_result

    def _describe_cycle(self, stuck: set[Task]) -> str:
        """Find one cycle among ``stuck`` tasks and describe it by task names."""
        to, _ = self._index()
        start = min(stuck, key=lambda t: self._order.get(t, 0))
        path: list[Task] = [start]
        seen = {start: 0}
        current = start
        while True:
            nxt = next(e.upstream_task for e in to[current] if e.upstream_task in stuck)
            if nxt in seen:
                loop = path[seen[nxt]:] + [nxt]
                break
            seen[nxt] = len(path)
            path.append(nxt)
            current = nxt
        names = " -> ".join(f"'{t.name}'" for t in reversed(loop))
        return (f"Flows must be acyclic! Flow '{self.name}' has a cycle: {names}. "
                "Remove one of these dependencies.")

    def validate(self) -> None:
        """Check that the flow can run.

        Raises:
            FlowValidationError: an edge or reference task is outside the flow, a slug is
                missing or repeated, or the graph has a cycle (named in the message).
        """
        outside = [e for e in self.edges if not e.tasks <= self.tasks]
        if outside:
            raise FlowValidationError(
                f"Some edges of flow '{self.name}' refer to tasks not contained in it: {outside[0]}"
            )
        if not self._reference_tasks <= self.tasks:
            raise FlowValidationError(
                f"Some reference tasks of flow '{self.name}' are not contained in it."
            )
        if set(self.slugs) != self.tasks:
            raise FlowValidationError(f"Some tasks of flow '{self.name}' have no slug.")
        if len(set(self.slugs.values())) != len(self.slugs):
            raise FlowValidationError(f"Flow '{self.name}' has two tasks with the same slug.")
        self.sorted_tasks()

    def copy(self) -> Flow:
        """A new flow with the same tasks and edges, whose graph can change independently."""
        new = _copy.copy(self)
        new.tasks = set(self.tasks)
        new.edges = set(self.edges)
        new.constants = _copy.deepcopy(self.constants)
        new.slugs = dict(self.slugs)
        new._order = dict(self._order)
        new._slug_counters = collections.defaultdict(lambda: itertools.count(1))
        for prefix, counter in self._slug_counters.items():
            new._slug_counters[prefix] = itertools.count(_peek(counter))
        new._reference_tasks = set(self._reference_tasks)
        new.state_handlers = list(self.state_handlers)
        new._cache = {}
        new._contexts = ExitStack()
        return new

    # ------------------------------------------------------------------ running

    def run(
        self,
        parameters: dict[str, Any] | None = None,
        run_on_schedule: bool | None = None,
        runner_cls: type | None = None,
        **kwargs: Any,
    ) -> State:
        """Run the flow here, now, and return its final state.

        ``state.result`` maps every task to its final state. Keyword arguments that name a
        parameter set it; the others go to the flow runner (``executor``, ``context``,
        ``task_states``, ``return_tasks``...). Failed tasks with retries left are re-run after
        their ``retry_delay``.

        Raises:
            MissingParameterError: a required parameter was not given.
            UnknownParameterError: a parameter the flow does not have was given.
        """
        from caudal.engine.flow_run import run_flow_locally  # engine arrives at run time

        return run_flow_locally(self, parameters=parameters, run_on_schedule=run_on_schedule,
                                runner_cls=runner_cls, **kwargs)

    def serialize(self, build: bool = False) -> dict[str, Any]:
        """The flow's JSON-safe description (graph, parameters, schedule, storage, run config).

        With ``build=True`` the flow is first put in its storage and the storage built, so the
        description says where the code is.
        """
        # serialization reads core objects; imported here so that building flows never loads it.
        from caudal.serialization import serialize_flow

        if build:
            if self.storage is None:
                raise ValueError(f"Flow '{self.name}' has no storage to build; set flow.storage.")
            self.storage.add_flow(self)
            self.storage = self.storage.build()
        return serialize_flow(self)

    def serialized_hash(self) -> str:
        """A digest of the description and every task's code; equal for the same code."""
        from caudal.serialization import serialized_hash

        return serialized_hash(self)

    def register(self, project_name: str | None = None, build: bool = True,
                 labels: Iterable[str] | None = None, set_schedule_active: bool | None = None,
                 version_group_id: str | None = None, no_url: bool = False,
                 idempotency_key: str | None = None, **kwargs: Any) -> str:
        """Register the flow with the caudal server (``CAUDAL_API``) in ``project_name``.

        The flow's code goes to its storage and its description to the server; an unchanged
        flow is skipped. Prints what happened unless ``no_url``.

        Args:
            project_name: the project to register the flow in; it must exist.
            build: put the flow in its storage first.
            labels: labels to add to those of the run config and storage.
            set_schedule_active: turn the schedule on or off; None (unlike Prefect 0.15's
                True) leaves the switch as it is on the server.
            version_group_id: accepted for Prefect 0.15 code; unused.
            no_url: print nothing.
            idempotency_key: the server skips the registration when the latest version was
                registered with the same key.
            **kwargs: arguments for the default storage, ``Local(**kwargs)``, made when the
                flow has no storage (as in Prefect 0.15).

        Returns:
            The id of the flow's current version.

        Raises:
            TypeError: no ``project_name``.
            ClientError: the server refused the flow (``ObjectNotFound``: no such project)
                or could not be reached.
        """
        # The one arrow from core to the network: registering is talking to the server.
        from caudal.client import Client

        if self.storage is None:
            from caudal.storage import Local  # storage builds on core; loaded when needed

            self.storage = Local(**kwargs)
        with Client() as client:
            return client.register(self, project_name=project_name, build=build,
                                   set_schedule_active=set_schedule_active,
                                   version_group_id=version_group_id, no_url=no_url,
                                   idempotency_key=idempotency_key, labels=labels)

    def visualize(self, *args: Any, **kwargs: Any) -> Any:
        from caudal.exceptions import NotAvailableError

        raise NotAvailableError("Flow.visualize", "caudal's web UI (its DAG view)")


def _constant_cls() -> type:
    from caudal.tasks.core.constants import Constant  # tasks.core builds on this module

    return Constant


def _resource_classes() -> tuple[type, type]:
    # tasks.core builds on this module: import its resource tasks when first needed.
    from caudal.tasks.core.resource_manager import ResourceCleanupTask, ResourceInitTask

    return ResourceInitTask, ResourceCleanupTask


def _peek(counter: Iterator[int]) -> int:
    """The next value an itertools.count would give, without consuming it."""
    text = repr(counter)  # "count(7)"
    return int(text[text.index("(") + 1 : text.index(")")])


def _peel(value: Any) -> tuple[Any, dict[str, bool]]:
    """Unwrap nested edge annotations (``unmapped(flatten(x))``), merging what they say."""
    ann: dict[str, bool] = {}
    while isinstance(value, EdgeAnnotation):
        for k, v in value.annotations.items():
            ann.setdefault(k, v)
        value = value.value
    return value, ann


def _holds_task(value: Any) -> bool:
    if isinstance(value, Task):
        return True
    if isinstance(value, list | tuple | set):
        return any(_holds_task(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_task(k) or _holds_task(v) for k, v in value.items())
    return False


def _as_task(value: Any, force: bool, flow: Flow | None = None) -> Task | None:
    """The task standing for ``value``: itself, a collection task, a Constant, or None.

    ``force`` makes a Constant of a plain value (mapped arguments and explicit dependencies
    need a task); otherwise a plain value returns None and is kept as a constant argument.
    """
    if isinstance(value, Task):
        return value
    if isinstance(value, EdgeAnnotation):
        return _as_task(_peel(value)[0], force, flow)
    # Collections and constants are tasks from caudal.tasks.core, which builds on this module.
    from caudal.tasks.core import collections as coll
    from caudal.tasks.core.constants import Constant

    if _holds_task(value):
        if isinstance(value, dict):
            keys, vals = list(value.keys()), list(value.values())
            return coll.Dict().bind(keys=keys, values=vals, flow=flow)
        kinds = {tuple: coll.Tuple, set: coll.Set, frozenset: coll.Set}
        return kinds.get(type(value), coll.List)().bind(*value, flow=flow)
    if force:
        return Constant(value)
    return None
