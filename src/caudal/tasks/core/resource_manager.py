"""``resource_manager``: set up a resource for a block of tasks, and always clean it up.

Entering the block adds three tasks to the flow: ``Name`` makes the manager object,
``Name.setup`` calls its ``setup()`` (the value the block's tasks receive) and
``Name.cleanup`` calls its ``cleanup(resource)`` after every task of the block has finished,
whether they succeeded or not. The cleanup does not decide the flow's state: the block's
tasks do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, overload

from caudal.core.task import Task
from caudal.engine import signals
from caudal.utilities.context import context

if TYPE_CHECKING:
    from caudal.core.edge import Edge
    from caudal.core.flow import Flow
    from caudal.engine.state import State

__all__ = [
    "ResourceCleanupTask",
    "ResourceContext",
    "ResourceInitTask",
    "ResourceManager",
    "ResourceSetupTask",
    "resource_cleanup_trigger",
    "resource_manager",
]


class ResourceInitTask(Task):
    """Makes the resource manager object: its ``run`` is the decorated class itself.

    Args:
        resource_class: the class (or any callable) that builds the manager object; its
            arguments are the arguments given when the block is entered.
        **kwargs: the ``Task`` options.
    """

    def __init__(self, resource_class: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The class is the task's work: its signature is what the block's arguments bind to.
        self.run = resource_class  # type: ignore[method-assign]


class ResourceSetupTask(Task):
    """Calls ``setup()`` on the manager object; its result is the resource."""

    def run(self, mgr: Any) -> Any:
        return mgr.setup()


class ResourceCleanupTask(Task):
    """Calls ``cleanup(resource)`` on the manager object once the block is done."""

    def run(self, mgr: Any, resource: Any = None) -> None:
        mgr.cleanup(resource)


def resource_cleanup_trigger(upstream_states: Mapping[Edge, State]) -> bool:
    """Run the cleanup once everything before it finished, unless there is nothing to clean.

    The block's tasks may have failed: the cleanup runs anyway. It is skipped only when the
    manager object or the resource was never made (its init or setup task failed or skipped).

    Raises:
        caudal.engine.signals.TRIGGERFAIL: an upstream task has not finished.
        caudal.engine.signals.SKIP: the init or setup task did not succeed.
    """
    if not all(state.is_finished() for state in upstream_states.values()):
        raise signals.TRIGGERFAIL(
            "Trigger was 'resource_cleanup_trigger' but some of the upstream tasks "
            "were not finished."
        )
    by_key = {edge.key: state for edge, state in upstream_states.items()}
    # The init step is named first: when it failed, the setup could not run either.
    for key, step in (("mgr", "init"), ("resource", "setup")):
        state = by_key.get(key)
        if state is None:
            continue
        # Skipped counts as successful for other triggers; here it means nothing was made.
        if state.is_skipped():
            raise signals.SKIP(f"Resource manager {step} skipped")
        if not state.is_successful():
            raise signals.SKIP(f"Resource manager {step} failed")
    return True


class ResourceContext:
    """The ``with`` block of a resource manager; made by calling a ``ResourceManager``.

    Tasks created in the block wait for the setup task (unless they already wait for another
    task of the block) and the cleanup task waits for them (unless another task of the block
    already waits for them).

    Args:
        init_task: the task that makes the manager object.
        setup_task: the task that makes the resource; None when the class has no ``setup``.
        cleanup_task: the task that cleans the resource up.
        flow: the flow the block's tasks belong to.
    """

    def __init__(self, init_task: Task, setup_task: Task | None, cleanup_task: Task,
                 flow: Flow) -> None:
        self.init_task = init_task
        self.setup_task = setup_task
        self.cleanup_task = cleanup_task
        self._flow = flow
        self._tasks: dict[Task, None] = {}  # an ordered set: edges are added in creation order
        self._outer: ResourceContext | None = None

    def add_task(self, task: Task, flow: Flow) -> None:
        """Called by the flow for each task created inside the block.

        Raises:
            ValueError: ``flow`` is not the flow the resource manager was entered in.
        """
        if flow is not self._flow:
            raise ValueError(
                f"Task '{task.name}' was added to flow '{flow.name}' inside the block of "
                f"resource manager '{self.init_task.name}', which belongs to flow "
                f"'{self._flow.name}'; build each flow's tasks in its own block."
            )
        self._tasks[task] = None

    def __enter__(self) -> Task | None:
        self._outer = context.get("resource")
        context["resource"] = self
        return self.setup_task

    def __exit__(self, *exc: Any) -> None:
        context["resource"] = self._outer
        if exc[0] is not None:
            return  # the flow definition failed; there is no graph to finish
        flow, block = self._flow, self._tasks.keys()
        for child in list(block):
            upstream = flow.upstream_tasks(child)
            if self.setup_task is not None and self.setup_task not in upstream \
                    and not block & upstream:
                child.set_upstream(self.setup_task, flow=flow)
            downstream = flow.downstream_tasks(child)
            if self.cleanup_task not in downstream and not block & downstream:
                child.set_downstream(self.cleanup_task, flow=flow)


class ResourceManager:
    """Builds the setup and cleanup tasks of a resource each time it is called in a flow.

    Usually made with the ``resource_manager`` decorator.

    Args:
        resource_class: a class (or callable) whose objects have an optional ``setup()``,
            returning the resource, and ``cleanup(resource)``.
        name: the name of the tasks (``name``, ``name.setup``, ``name.cleanup``); defaults to
            the class name.
        init_task_kwargs: ``Task`` options for the task that makes the manager object.
        setup_task_kwargs: ``Task`` options for the setup task (``checkpoint=False`` unless
            given: resources such as connections are rarely worth storing).
        cleanup_task_kwargs: ``Task`` options for the cleanup task (its trigger is
            ``resource_cleanup_trigger`` and it does not skip when an upstream task skipped,
            unless given).
    """

    def __init__(
        self,
        resource_class: Callable[..., Any],
        name: str | None = None,
        init_task_kwargs: dict[str, Any] | None = None,
        setup_task_kwargs: dict[str, Any] | None = None,
        cleanup_task_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.resource_class = resource_class
        self.name = name if name is not None else getattr(resource_class, "__name__", "resource")
        self.init_task_kwargs = {"name": self.name, **(init_task_kwargs or {})}
        self.setup_task_kwargs = {"name": f"{self.name}.setup", "checkpoint": False,
                                  **(setup_task_kwargs or {})}
        self.cleanup_task_kwargs = {"name": f"{self.name}.cleanup", "checkpoint": False,
                                    "trigger": resource_cleanup_trigger,
                                    "skip_on_upstream_skip": False,
                                    **(cleanup_task_kwargs or {})}

    def __repr__(self) -> str:
        return f"<ResourceManager: {self.name}>"

    def __call__(self, *args: Any, flow: Flow | None = None, **kwargs: Any) -> ResourceContext:
        """Add the resource's tasks to ``flow`` (or the active flow); returns the block.

        The arguments are those of the decorated class; they may be tasks (parameters, other
        results).

        Raises:
            ValueError: there is no active flow and none was given.
        """
        flow = flow if flow is not None else context.get("flow")
        if flow is None:
            raise ValueError(
                f"Resource manager '{self.name}' was called outside a flow: use it inside a "
                "`with Flow(...)` block, or pass `flow=`."
            )
        init = ResourceInitTask(self.resource_class, **self.init_task_kwargs)(
            *args, flow=flow, **kwargs
        )
        setup: Task | None = None
        if hasattr(self.resource_class, "setup"):
            setup = ResourceSetupTask(**self.setup_task_kwargs)(init, flow=flow)
            cleanup = ResourceCleanupTask(**self.cleanup_task_kwargs)(init, setup, flow=flow)
        else:
            cleanup = ResourceCleanupTask(**self.cleanup_task_kwargs)(init, flow=flow)
        return ResourceContext(init, setup, cleanup, flow)


@overload
def resource_manager(
    resource_class: Callable[..., Any],
    *,
    name: str | None = None,
    init_task_kwargs: dict[str, Any] | None = None,
    setup_task_kwargs: dict[str, Any] | None = None,
    cleanup_task_kwargs: dict[str, Any] | None = None,
) -> ResourceManager: ...


@overload
def resource_manager(
    resource_class: None = None,
    *,
    name: str | None = None,
    init_task_kwargs: dict[str, Any] | None = None,
    setup_task_kwargs: dict[str, Any] | None = None,
    cleanup_task_kwargs: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], ResourceManager]: ...


def resource_manager(
    resource_class: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    init_task_kwargs: dict[str, Any] | None = None,
    setup_task_kwargs: dict[str, Any] | None = None,
    cleanup_task_kwargs: dict[str, Any] | None = None,
) -> ResourceManager | Callable[[Callable[..., Any]], ResourceManager]:
    """Turn a class with ``setup()`` and ``cleanup(resource)`` into a resource manager.

    ``with Manager(args) as resource:`` in a flow makes the resource (``setup()``) before the
    block's tasks run and calls ``cleanup(resource)`` once they have all finished, even when
    some failed. ``resource`` stands for ``setup()``'s result (None when the class has no
    ``setup``). The cleanup is not a reference task: a flow whose block succeeded succeeds.

    Args:
        resource_class: the decorated class.
        name: the tasks' name; defaults to the class name.
        init_task_kwargs: ``Task`` options for the task that makes the manager object.
        setup_task_kwargs: ``Task`` options for the setup task.
        cleanup_task_kwargs: ``Task`` options for the cleanup task.

    Returns:
        A ``ResourceManager``, or, called with options only, a decorator that makes one.

    Example:
        >>> from caudal import Flow, resource_manager, task
        >>> @resource_manager
        ... class Connection:
        ...     def __init__(self, url):
        ...         self.url = url
        ...     def setup(self):
        ...         return {"url": self.url, "open": True}
        ...     def cleanup(self, conn):
        ...         conn["open"] = False
        ...         print("closed", conn["url"])
        >>> @task
        ... def query(conn):
        ...     raise RuntimeError("query failed")
        >>> with Flow("etl") as flow:
        ...     with Connection("db://prod") as conn:
        ...         rows = query(conn)
        >>> state = flow.run()
        closed db://prod
        >>> state.is_failed(), [t.name for t in flow.reference_tasks()]
        (True, ['query'])
    """

    def make(cls: Callable[..., Any]) -> ResourceManager:
        return ResourceManager(cls, name=name, init_task_kwargs=init_task_kwargs,
                               setup_task_kwargs=setup_task_kwargs,
                               cleanup_task_kwargs=cleanup_task_kwargs)

    return make if resource_class is None else make(resource_class)
