"""The ``@task`` decorator and its helpers: ``tags``, ``apply_map``, ``as_task``,
``defaults_from_attrs``, ``pause_task``."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from caudal.core.task import Task
from caudal.tasks.core.function import FunctionTask
from caudal.utilities.context import context
from caudal.utilities.edges import EdgeAnnotation

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["apply_map", "as_task", "defaults_from_attrs", "pause_task", "tags", "task",
           "unmapped"]

PAUSE_MESSAGE = "Pause signal raised during task execution."
"""The Paused state's message when ``pause_task`` is given none (Prefect's words)."""


def task(fn: Callable[..., Any] | None = None, **task_init_kwargs: Any) -> Any:
    """Turn a function into a task, with or without Task options.

    Example:
        >>> import datetime
        >>> from caudal import task
        >>> @task
        ... def extract():
        ...     return [1, 2, 3]
        >>> @task(max_retries=3, retry_delay=datetime.timedelta(seconds=10))
        ... def load(rows):
        ...     return len(rows)
        >>> extract.name, load.max_retries
        ('extract', 3)
    """
    if fn is None:
        return lambda f: FunctionTask(fn=f, **task_init_kwargs)
    return FunctionTask(fn=fn, **task_init_kwargs)


@contextmanager
def tags(*tags: str) -> Iterator[None]:
    """Add ``tags`` to every task created in the block.

    Example:
        >>> from caudal import task, tags
        >>> with tags("nightly", "db"):
        ...     t = task(lambda: 1, name="one")
        >>> sorted(t.tags)
        ['db', 'nightly']
    """
    current = set(context.get("tags") or ())
    with context(tags=current | set(tags)):
        yield


def as_task(x: Any, flow: Flow | None = None) -> Task:
    """The task standing for ``x``: ``x`` itself, a collection task, or a Constant.

    Args:
        x: a task, an edge annotation (its value is used), a collection holding tasks (bound
            in ``flow``), or any other value (a Constant).
        flow: the flow collection tasks are bound in; defaults to the active flow.

    Returns:
        A task.

    Example:
        >>> as_task([1, 2]).name
        '[1, 2]'
    """
    from caudal.core.arguments import task_for

    found = task_for(x, force=True, flow=flow if flow is not None else context.get("flow"))
    assert found is not None  # force=True always gives a task
    return found


def defaults_from_attrs(*attr_args: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Fill ``run()`` arguments left as None from the task's attributes of the same names.

    Example:
        >>> class Greet(Task):
        ...     def __init__(self, who="world", **kwargs):
        ...         self.who = who
        ...         super().__init__(**kwargs)
        ...     @defaults_from_attrs("who")
        ...     def run(self, who=None):
        ...         return f"hello {who}"
        >>> Greet().run(), Greet().run("you")
        ('hello world', 'hello you')
    """

    def wrapper(run_method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run_method)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            given_positionally = run_method.__code__.co_varnames[1 : 1 + len(args)]
            for attr in attr_args:
                if attr not in given_positionally and kwargs.get(attr) is None:
                    kwargs[attr] = getattr(self, attr)
            return run_method(self, *args, **kwargs)

        return method

    return wrapper


def pause_task(message: str | None = None, duration: datetime.timedelta | None = None
               ) -> None:
    """Pause the running task until someone resumes it; call it inside a task's ``run``.

    It raises ``PAUSE``, so the task run ends ``Paused`` and the code after the call does not
    run. A resumed task runs again from the start, and this time ``pause_task`` returns at
    once (``caudal.context.resume`` is set), so the code before the call runs twice.

    Args:
        message: the Paused state's message.
        duration: resume by itself after this long; without it, the pause lasts until
            someone resumes the task.

    Raises:
        PAUSE: always, unless the task run is resuming.

    Example:
        >>> from caudal import Flow, task
        >>> from caudal.engine.flow_runner import FlowRunner
        >>> from caudal.engine.state import Resume
        >>> @task
        ... def publish():
        ...     pause_task("waiting for sign-off")
        ...     return "published"
        >>> with Flow("release") as flow:
        ...     p = publish()
        >>> FlowRunner(flow).run(return_tasks=[p]).result[p]
        <Paused: "waiting for sign-off">
        >>> FlowRunner(flow).run(return_tasks=[p], task_states={p: Resume()}).result[p].result
        'published'
    """
    from caudal.engine.signals import PAUSE  # the engine's signals load when a task pauses

    if context.get("resume", False):
        return
    start_time = None
    if duration is not None:
        start_time = datetime.datetime.now(datetime.UTC) + duration
    raise PAUSE(message or PAUSE_MESSAGE, start_time=start_time)


def apply_map(func: Callable[..., Any], *args: Any, flow: Flow | None = None,
              **kwargs: Any) -> Any:
    """Call ``func``, a function that adds tasks, once per item of its arguments, as a map.

    ``func`` is called once, on tasks standing for the arguments; every task it creates
    becomes a mapped task, so the subgraph runs once per item, with ``case`` blocks and all.
    Arguments wrapped in ``unmapped`` are passed whole to every item; ``flatten`` flattens an
    argument before mapping. Every task ``func`` creates waits for all the mapped arguments,
    so all of them must have the same length.

    Args:
        func: a function that calls tasks; given ``flow``, it must accept a ``flow`` keyword.
        *args: the arguments to map over (tasks, lists, annotated values).
        flow: the flow to add the tasks to; defaults to the active flow.
        **kwargs: keyword arguments to map over.

    Returns:
        Whatever ``func`` returns (usually its last task, a mapped task).

    Raises:
        ValueError: there is no active flow and none was given.
        TypeError: an argument is neither a task nor a sequence.

    Example:
        >>> from caudal import Flow, apply_map, case, task
        >>> from caudal.tasks.control_flow import merge
        >>> @task
        ... def is_even(x):
        ...     return x % 2 == 0
        >>> @task
        ... def half(x):
        ...     return x // 2
        >>> def half_if_even(x):
        ...     with case(is_even(x), True):
        ...         h = half(x)
        ...     return merge(h, x)
        >>> with Flow("apply_map") as flow:
        ...     out = apply_map(half_if_even, [4, 5, 6])
        >>> flow.run().result[out].result
        [2, 5, 3]
    """
    from caudal.core.arguments import unwrap_annotations  # utilities builds on core
    from caudal.core.flow import Flow
    from caudal.tasks.core.constants import Constant

    given_flow = flow is not None
    if flow is None:
        flow = context.get("flow")
        if flow is None:
            raise ValueError(
                f"apply_map({getattr(func, '__name__', func)!r}, ...) was called outside a "
                "flow: call it inside a `with Flow(...)` block, or pass `flow=`."
            )
    for value in (*args, *kwargs.values()):
        if not isinstance(value, Task | EdgeAnnotation | Sequence):
            raise TypeError(
                f"apply_map cannot map over a {type(value).__name__} ({value!r}): pass a "
                "task, a list or another sequence, or wrap it in `unmapped(...)`."
            )

    tasks_before = set(flow.tasks)
    sub = Flow("apply_map subgraph")
    # For each argument task: (mapped, constant, flattened).
    arg_info: dict[Task, tuple[bool, bool, bool]] = {}
    # Mapped constants as the subgraph stores them (plain values), by identity.
    mapped_constants: dict[int, Task] = {}

    def prepare(value: Any) -> Task:
        inner, annotations = unwrap_annotations(value)
        # An enclosing case or resource block gates the real flow, not the subgraph.
        with context(case=None, resource=None):
            arg = as_task(inner, flow=sub)
        is_mapped = annotations.get("mapped", True)
        is_constant = isinstance(arg, Constant)
        arg_info[arg] = (is_mapped, is_constant, annotations.get("flattened", False))
        if not is_constant:
            with context(case=None, resource=None):
                sub.add_task(arg)
            flow.add_task(arg)
        elif is_mapped:
            mapped_constants[id(arg.value)] = arg
        return arg

    sub_args = [prepare(a) for a in args]
    sub_kwargs = {k: prepare(v) for k, v in kwargs.items()}
    # mapped=True: the subgraph is mapped as a whole, so a `.map` inside it is refused.
    with context(mapped=True, case=None, resource=None), sub:
        result = func(*sub_args, **sub_kwargs) if not given_flow else \
            func(*sub_args, flow=sub, **sub_kwargs)

    # Move the subgraph into the flow; every edge is mapped unless it comes from an
    # unmapped argument.
    for t in sub.sorted_tasks():
        flow.add_task(t)
    for e in sub.edges:
        is_mapped, _, flattened = arg_info.get(e.upstream_task, (True, False, False))
        flow.add_edge(e.upstream_task, e.downstream_task, key=e.key, mapped=is_mapped,
                      flattened=flattened)
    for t, constants in sub.constants.items():
        for key, value in constants.items():
            const = mapped_constants.get(id(value))
            if const is None:
                flow.constants[t][key] = value
            else:
                flow.add_edge(const, t, key=key, mapped=True, flattened=arg_info[const][2])

    # Every task func created waits on every argument (but unmapped constants, which are
    # plain values), so that the items line up and a task with no inputs still maps.
    created = set(sub.tasks) - tasks_before - set(arg_info)
    for t in [t for t in sub.sorted_tasks() if t in created]:
        upstream = flow.upstream_tasks(t)
        if upstream & created:
            continue
        for arg, (is_mapped, is_constant, flattened) in arg_info.items():
            if arg not in upstream and (is_mapped or not is_constant):
                flow.add_edge(arg, t, mapped=is_mapped, flattened=flattened)
    return result


from caudal.utilities.edges import unmapped  # noqa: E402  re-exported at Prefect's path
