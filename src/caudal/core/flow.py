"""Flow: a named graph of tasks, built by calling tasks or with the functional API;
``flow.run()`` hands it to the engine. The graph's index and sort are in ``core/graph.py``,
what call arguments become in ``core/arguments.py``."""

from __future__ import annotations

import collections
import copy as _copy
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from caudal.core.arguments import constant_class, task_for, unwrap_annotations
from caudal.core.edge import Edge
from caudal.core.graph import TaskGraph, TrackedSet
from caudal.core.parameter import Parameter
from caudal.core.task import Task, failure_handler
from caudal.exceptions import FlowValidationError
from caudal.utilities.context import context
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from caudal.engine.state import State

__all__ = ["Flow"]


class Flow(TaskGraph):
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

        super().__init__()
        self.constants: collections.defaultdict[Task, dict[str, Any]] = (
            collections.defaultdict(dict)
        )
        self.slugs: dict[Task, str] = {}
        self._slug_counters: dict[str, int] = {}  # the next number of each slug prefix
        self._reference_tasks: set[Task] = set()
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
        # The pickled shape is kept as it has always been (plain sets under "tasks" and
        # "edges", "_cache", "_version"), so flows pickled by any caudal version load.
        state = self.__dict__.copy()
        state["tasks"], state["edges"] = set(state.pop("_tasks")), set(state.pop("_edges"))
        state["_slug_counters"] = dict(self._slug_counters)
        state["_contexts"] = None
        state.pop("_graph", None)
        state["_cache"], state["_version"] = {}, 0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        tasks, edges = state.pop("tasks"), state.pop("edges")
        state.pop("_cache", None)
        state.pop("_version", None)
        self.__dict__.update(state)
        self._tasks, self._edges = TrackedSet(tasks), TrackedSet(edges)
        self._slug_counters = dict(state["_slug_counters"])
        self._graph = None
        self._contexts = ExitStack()

    @property
    def logger(self) -> Any:
        return get_logger(self.name)

    # ------------------------------------------------------------------ building the graph

    def _slug_for(self, task: Task) -> str:
        prefix = "-".join([task.name, *sorted(task.tags)])
        taken = set(self.slugs.values())
        while True:
            number = self._slug_counters.get(prefix, 1)
            self._slug_counters[prefix] = number + 1
            slug = f"{prefix}-{number}"
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
        graph = self._index()  # bring the index up to date before it learns of the new task
        self._tasks.add(task)
        graph.add_task(task)
        self._order[task] = len(self._order)
        self.slugs[task] = task.slug or self._slug_for(task)
        # Parameters and constants are inputs, not steps: a case or resource block never
        # gates them.
        case_block, resource_block = context.get("case"), context.get("resource")
        if (case_block is not None or resource_block is not None) and not isinstance(
            task, Parameter | constant_class()
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
            upstream_task, constant_class()
        ):
            # A Constant passed whole as an argument is just a value: keep it out of the graph.
            self.add_task(downstream_task)
            self.constants[downstream_task][key] = upstream_task.value
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
        if edge not in self._edges:
            graph = self._index()
            self._edges.add(edge)
            graph.add_edge(edge)
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
        task = task_for(task, force=True, flow=self)
        self.add_task(task)
        for item in upstream_tasks or ():
            value, ann = unwrap_annotations(item)
            up = task_for(value, force=True, flow=self)
            self.add_edge(up, task, mapped=ann.get("mapped", mapped), validate=validate)
        for item in downstream_tasks or ():
            down = task_for(unwrap_annotations(item)[0], force=True, flow=self)
            self.add_edge(task, down, validate=validate)
        for key, item in (keyword_tasks or {}).items():
            value, ann = unwrap_annotations(item)
            is_mapped = ann.get("mapped", mapped)
            flattened = ann.get("flattened", False)
            up = task_for(value, force=is_mapped or flattened, flow=self)
            if up is None:
                self.constants[task][key] = value
            else:
                self.add_edge(up, task, key=key, mapped=is_mapped, flattened=flattened,
                              validate=validate)

    def chain(self, *tasks: Any, validate: bool | None = None) -> list[Edge]:
        """Make each task run after the one before it; returns the new edges."""
        as_tasks = [task_for(t, force=True, flow=self) for t in tasks]
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
        new = task_for(new, force=True, flow=self)
        if old not in self.tasks:
            raise ValueError(f"Task '{old.name}' is not in flow '{self.name}'.")
        incoming, outgoing = self.edges_to(old), self.edges_from(old)
        self._edges -= incoming | outgoing
        self._tasks.discard(old)
        self._order.pop(old, None)
        self.slugs.pop(old, None)
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
    # (edges_to, upstream_tasks, root_tasks, sorted_tasks... come from TaskGraph)

    def reference_tasks(self) -> set[Task]:
        """The tasks whose states decide the flow run's state.

        By default the terminal tasks, looking past resource managers: their init and cleanup
        tasks never count, and a task followed only by cleanups is terminal.
        """
        if self._reference_tasks:
            return set(self._reference_tasks)
        init_cls, cleanup_cls = _resource_classes()
        frm = self._index().frm
        return {
            t for t in self._tasks
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
        new._tasks = TrackedSet(self._tasks)
        new._edges = TrackedSet(self._edges)
        new.constants = _copy.deepcopy(self.constants)
        new.slugs = dict(self.slugs)
        new._order = dict(self._order)
        new._slug_counters = dict(self._slug_counters)
        new._reference_tasks = set(self._reference_tasks)
        new.state_handlers = list(self.state_handlers)
        new._graph = None
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

    def run_agent(self, token: str | None = None, show_flow_logs: bool = False,
                  log_to_cloud: bool | None = None, api_key: str | None = None, *,
                  labels: Iterable[str] | None = None, env_vars: dict[str, str] | None = None,
                  max_runs: int | None = None) -> None:
        """Run a local agent for this flow in this process: it takes the server's runs of
        the flow's labels and runs them here, until Ctrl-C or SIGTERM (or ``max_runs``).

        The agent has the run config's labels and this host's name, as Prefect's does; a flow
        registered with ``Local`` storage carries that name, so its runs are taken.

        Args:
            token: Prefect's old name for ``api_key``.
            show_flow_logs: accepted for Prefect 0.15 code; caudal's agent keeps each run's
                output in ``<home_dir>/agent/output`` and the run's logs are on the server
                (``caudal logs``), so True only warns.
            log_to_cloud: accepted for Prefect 0.15 code; runs always send their logs to the
                server, so False only warns.
            api_key: the key to talk to the server with (default: the configuration's).
            labels: more labels for the agent (caudal only).
            env_vars: variables set for every run it launches (caudal only).
            max_runs: stop after launching this many runs, once they end (caudal only).

        Raises:
            ServerUnavailable: the server (``CAUDAL_API``) cannot be reached.
        """
        # The one arrow from core to the agent: it is what runs flows for the server. It is
        # imported here, so that building or running a flow never loads it.
        from caudal.agent import LocalAgent

        if show_flow_logs:
            _warn_ignored("show_flow_logs=True", "caudal's local agent keeps each run's "
                          "output in <home_dir>/agent/output; read a run's logs with "
                          "'caudal logs' or in the UI")
        if log_to_cloud is False:
            _warn_ignored("log_to_cloud=False", "flow runs always send their logs to the "
                          "caudal server")
        run_labels = list(getattr(self.run_config, "labels", None) or ())
        agent = LocalAgent(labels=[*run_labels, *(labels or ())], env_vars=env_vars,
                           api_key=api_key or token)
        agent.start(max_runs=max_runs)

    def save(self, fpath: str | None = None) -> str:
        """Write the flow to a file with cloudpickle; ``Flow.load`` reads it back.

        Args:
            fpath: the file to write; by default ``<home_dir>/flows/<slug>.caudal``
                (``~/.caudal/flows/...``), where the slug is the flow's name in lower-case
                ASCII letters and digits joined by hyphens ("ETL: Daily" is "etl-daily").

        Returns:
            The file's path.

        Example:
            >>> import os, tempfile
            >>> from caudal import Flow, task
            >>> from caudal.utilities.configuration import set_temporary_config
            >>> with Flow("ETL: Daily") as flow:
            ...     task(lambda: 1, name="one")()
            <Task: one>
            >>> with set_temporary_config({"home_dir": tempfile.mkdtemp()}):
            ...     path = flow.save()
            ...     Flow.load("ETL: Daily").name, os.path.basename(path)
            ('ETL: Daily', 'etl-daily.caudal')
        """
        import cloudpickle  # loaded only when a flow is saved

        if fpath is None:
            directory = _saved_flows_directory()
            os.makedirs(directory, exist_ok=True)
            fpath = os.path.join(directory, f"{_file_slug(self.name)}.caudal")
        with open(fpath, "wb") as handle:
            cloudpickle.dump(self, handle)
        return str(fpath)

    @staticmethod
    def load(fpath: str) -> Flow:
        """Read a flow written by ``flow.save()``.

        Args:
            fpath: the file's absolute path, or the flow's name, for a flow saved where
                ``save`` puts it by default.

        Raises:
            FileNotFoundError: no such file (the message names the path tried).
        """
        import cloudpickle

        if not os.path.isabs(fpath):
            fpath = os.path.join(_saved_flows_directory(), f"{_file_slug(str(fpath))}.caudal")
        with open(fpath, "rb") as handle:
            return cloudpickle.load(handle)

    def visualize(self, flow_state: State | None = None, filename: str | None = None,
                  format: str | None = None) -> Any:
        """Draw the flow with Graphviz: inline in a notebook, else in the system's viewer; with
        ``filename``, to that file instead (``format``: "pdf" by default, "png", "svg"...).

        Tasks are nodes, mapped ones boxes; edges are labelled with the argument they fill
        and dashed when mapped. Given ``flow_state`` (what ``flow.run()`` returned), nodes
        are filled with their states' colours and mapped tasks drawn once per child.

        Returns:
            The ``graphviz.Digraph``; its DOT text is ``.source``.

        Raises:
            ImportError: the graphviz package is not installed (``pip install 'caudal[viz]'``).
            caudal.core.diagram.DotNotFound: Graphviz's ``dot`` program is not installed;
                the graph is on the error, as ``graph``.
        """
        try:
            from caudal.core import diagram  # graphviz, an extra, loads only to draw
        except ImportError as exc:
            if exc.name != "graphviz":
                raise
            raise ImportError(
                "Flow.visualize needs the graphviz package, which is not installed: "
                "pip install 'caudal[viz]' (and Graphviz's 'dot' program to render)."
            ) from exc
        graph = diagram.flow_graph(self, flow_state)
        diagram.show_graph(graph, self.name, filename=filename, format=format)
        return graph


def _saved_flows_directory() -> str:
    return os.path.join(str(context.config.home_dir), "flows")


def _file_slug(name: str) -> str:
    """``name`` as a file name: accents dropped, lower-case letters and digits joined by
    hyphens ("Über ETL: v2" is "uber-etl-v2"); "flow" when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "flow"


def _warn_ignored(what: str, why: str) -> None:
    import warnings

    warnings.warn(f"Flow.run_agent: {what} has no effect in caudal: {why}.", UserWarning,
                  stacklevel=3)


def _resource_classes() -> tuple[type, type]:
    # tasks.core builds on this module: import its resource tasks when first needed.
    from caudal.tasks.core.resource_manager import ResourceCleanupTask, ResourceInitTask

    return ResourceInitTask, ResourceCleanupTask
