"""Task: one unit of work in a flow, with its retry, timeout, trigger and caching options.

Calling a task inside ``with Flow(...)`` does not run it: it copies the task, binds the
arguments (tasks become edges, plain values become constants) and returns the copy, which
stands for the result. ``task.map(...)`` does the same with mapped edges.
"""

from __future__ import annotations

import copy as _copy
import datetime
import inspect
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from caudal import triggers as _triggers
from caudal.exceptions import TaskDefinitionError
from caudal.utilities.context import context
from caudal.utilities.edges import EdgeAnnotation
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from caudal.core.flow import Flow
    from caudal.engine.state import State

__all__ = ["NoDefault", "Task", "no_default"]

_RESERVED = ("upstream_tasks", "mapped", "task_args", "flow")


class NoDefault:
    """Marks an argument or parameter that has no default value."""

    _instance: NoDefault | None = None

    def __new__(cls) -> NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<no default>"

    def __reduce__(self) -> str:
        return "no_default"


no_default = NoDefault()


def _validate_run_signature(run: Callable[..., Any], owner: str) -> None:
    func = inspect.unwrap(run)
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise TaskDefinitionError(
            f"'{owner}' cannot be inspected (common with built-in and numpy functions). "
            "Wrap it in a plain Python function to use it as a task."
        ) from exc
    params = sig.parameters.values()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        raise TaskDefinitionError(
            f"Task '{owner}' has *args in its run signature. Tasks receive every argument by "
            "keyword; accept **kwargs instead."
        )
    violations = [p.name for p in params if p.name in _RESERVED]
    if violations:
        raise TaskDefinitionError(
            f"Tasks cannot have the following argument names: {', '.join(violations)}. "
            "These are reserved keyword arguments."
        )


def _infer_nout(run: Callable[..., Any]) -> int | None:
    """Number of outputs from a ``-> Tuple[a, b]`` annotation (0 for ``Tuple[()]``); None for
    a bare ``tuple`` or ``Tuple``, ``Tuple[int, ...]`` and anything else, as in Prefect."""
    try:
        hints = typing.get_type_hints(inspect.unwrap(run))
    except Exception:
        return None
    ret = hints.get("return")
    if typing.get_origin(ret) is not tuple:
        return None
    args = typing.get_args(ret)
    if not args:
        # ``Tuple[()]`` (an empty tuple) has its arguments, empty; a bare ``Tuple`` has none.
        return 0 if hasattr(ret, "__args__") else None
    if len(args) == 2 and args[1] is Ellipsis:
        return None
    return len(args)


# The keywords ``Task.__call__`` adds to ``run()``'s parameters, shown as Prefect shows them.
_CALL_KEYWORDS = [
    inspect.Parameter("mapped", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=bool),
    inspect.Parameter("task_args", inspect.Parameter.KEYWORD_ONLY, default=None,
                      annotation=dict),
    inspect.Parameter("upstream_tasks", inspect.Parameter.KEYWORD_ONLY, default=None,
                      annotation=typing.Iterable[Any]),
    inspect.Parameter("flow", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="Flow"),
]


class _CallSignature:
    """``inspect.signature(task)``: what calling the task takes, ``run()``'s parameters and
    then ``mapped``, ``task_args``, ``upstream_tasks`` and ``flow``, as in Prefect 0.15.

    On the class it is absent, so that ``inspect.signature(MyTask)`` shows ``__init__``'s.
    """

    def __get__(self, task: Task | None, owner: type) -> inspect.Signature:
        if task is None:
            raise AttributeError("__signature__")
        params = list(inspect.signature(task.run).parameters.values())
        var_keyword = [p for p in params if p.kind is p.VAR_KEYWORD]
        params = [p for p in params if p.kind is not p.VAR_KEYWORD]
        return inspect.Signature([*params, *_CALL_KEYWORDS, *var_keyword],
                                 return_annotation="Task")


def _seconds(value: int | float | datetime.timedelta | None, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"Task {what} must be a number of seconds or a timedelta, not {value!r}.")
    return float(value)


class Task:
    """A unit of work. Subclass it and write ``run()``, or decorate a function with ``@task``.

    Args:
        name: shown in logs and the UI; defaults to the class name.
        slug: a fixed identifier within a flow; generated as ``name-1``, ``name-2``... if not given.
        tags: labels for filtering and concurrency limits (the active ``caudal.tags`` are added).
        max_retries: how many times to re-run after a failure.
        retry_delay: how long to wait before each retry; required when ``max_retries`` > 0.
        timeout: seconds (or a timedelta) after which the run ends ``TimedOut``.
        trigger: when the task may run given its upstream states (``all_successful``).
        skip_on_upstream_skip: skip when an upstream task skipped (the default).
        cache_for, cache_validator, cache_key: reuse a result for a while (see results docs).
        checkpoint: write the result with the task's ``result`` when checkpointing is on.
        state_handlers: callables ``(task, old_state, new_state) -> state | None`` called on
            every state change.
        on_failure: callable ``(task, state)`` called when the task fails.
        log_stdout: send the task's ``print`` output to the log.
        result: where to write the result (a ``Result``).
        target: a result location; an existing target means the task need not run.
        task_run_name: a name for each run, a template string or a callable.
        nout: the number of values the task returns, so that ``a, b = t()`` works.

    Raises:
        TypeError: ``tags`` is a string, or another argument has the wrong type.
        ValueError: ``max_retries`` and ``retry_delay`` do not go together.

    Example:
        >>> from caudal import Task, Flow
        >>> class Double(Task):
        ...     def run(self, x):
        ...         return 2 * x
        >>> with Flow("double") as flow:
        ...     y = Double(name="double")(21)
        >>> flow.run().result[y].result
        42
    """

    __signature__ = _CallSignature()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" in cls.__dict__:
            _validate_run_signature(cls.__dict__["run"], cls.__name__)

    def __init__(
        self,
        name: str | None = None,
        slug: str | None = None,
        tags: Iterable[str] | None = None,
        max_retries: int | None = None,
        retry_delay: datetime.timedelta | None = None,
        timeout: int | datetime.timedelta | None = None,
        trigger: Callable[[Mapping[Any, State]], bool] | None = None,
        skip_on_upstream_skip: bool = True,
        cache_for: datetime.timedelta | None = None,
        cache_validator: Callable[..., bool] | None = None,
        cache_key: str | None = None,
        checkpoint: bool | None = None,
        state_handlers: list[Callable[..., Any]] | None = None,
        on_failure: Callable[..., Any] | None = None,
        log_stdout: bool = False,
        result: Any = None,
        target: str | Callable[..., str] | None = None,
        task_run_name: str | Callable[..., str] | None = None,
        nout: int | None = None,
    ) -> None:
        self.name = name or type(self).__name__
        self.slug = slug
        if isinstance(tags, str):
            raise TypeError("Tags should be a set of tags, not a string.")
        self.tags: set[str] = set(tags or ()) | set(context.get("tags") or ())

        defaults = context.config.tasks.defaults
        if max_retries is None:
            max_retries = defaults.max_retries
        if retry_delay is None and max_retries and defaults.retry_delay_s:
            retry_delay = datetime.timedelta(seconds=defaults.retry_delay_s)
        if max_retries and retry_delay is None:
            raise ValueError(
                f"Task '{self.name}' has max_retries={max_retries} but no retry_delay; "
                "A datetime.timedelta `retry_delay` must be provided if max_retries > 0."
            )
        if retry_delay is not None and not max_retries:
            raise ValueError(
                f"Task '{self.name}' has a retry_delay but no max_retries; A `max_retries` "
                "argument greater than 0 must be provided if specifying a retry delay."
            )
        if timeout is None:
            timeout = defaults.timeout_s
        timeout_s = _seconds(timeout, "timeout")  # validated here, where the task is defined
        if timeout_s is not None:
            timeout = int(timeout_s) if timeout_s == int(timeout_s) else timeout_s
        self.max_retries: int = max_retries
        self.retry_delay = retry_delay
        self.timeout = timeout

        self.trigger = trigger or _triggers.all_successful
        self.skip_on_upstream_skip = skip_on_upstream_skip

        if cache_for is None and cache_validator is not None:
            import warnings

            warnings.warn(
                f"Task '{self.name}': cache_validator provided without specifying cache "
                "expiration (cache_for); this task will not be cached.",
                stacklevel=2,
            )
        self.cache_for = cache_for
        self.cache_key = cache_key
        self.cache_validator = cache_validator
        self.checkpoint = checkpoint
        self.result = result
        self.target = target
        self.task_run_name = task_run_name

        if state_handlers is not None and not isinstance(state_handlers, Iterable):
            raise TypeError("state_handlers should be iterable.")
        self.state_handlers: list[Callable[..., Any]] = list(state_handlers or [])
        if on_failure is not None:
            self.state_handlers.append(failure_handler(on_failure))
        self.on_failure = on_failure
        self.log_stdout = log_stdout
        self.nout = nout if nout is not None else _infer_nout(self.run)
        self.auto_generated = False

    @property
    def logger(self) -> Any:
        return get_logger(self.name)

    def __repr__(self) -> str:
        return f"<Task: {self.name}>"

    def run(self) -> Any:
        """The work itself; subclasses override it. Returns the task's result."""

    # ------------------------------------------------------------------ building flows

    def copy(self, **task_args: Any) -> Task:
        """A new task with the same configuration, and ``task_args`` changed.

        A task with a ``slug`` gives its copy the slug ``<slug>-copy`` (unless ``task_args``
        sets one), so that both fit in one flow, as in Prefect.

        Example:
            >>> from caudal import task
            >>> @task(max_retries=1, retry_delay=__import__("datetime").timedelta(0))
            ... def fetch():
            ...     return 1
            >>> fetch.copy(name="fetch_again").name
            'fetch_again'
        """
        flow = context.get("flow")
        if flow is not None and self in flow.tasks and (flow.edges_to(self) or flow.edges_from(self)):
            import warnings

            warnings.warn(
                f"You are making a copy of task '{self.name}', which has dependencies in the "
                "active flow; the copy will not keep them.",
                stacklevel=2,
            )
        new = _copy.copy(self)
        if new.slug is not None and "slug" not in task_args:
            new.slug = f"{new.slug}-copy"
        new.tags = set(self.tags)
        new.state_handlers = list(self.state_handlers)
        if "on_failure" in task_args:
            on_failure = task_args.pop("on_failure")
            if self.on_failure is not None:
                new.state_handlers = [h for h in new.state_handlers
                                      if getattr(h, "_on_failure", None) is not self.on_failure]
            if on_failure is not None:
                new.state_handlers.append(failure_handler(on_failure))
            new.on_failure = on_failure
        if "tags" in task_args and isinstance(task_args["tags"], str):
            raise TypeError("Tags should be a set of tags, not a string.")
        for key, value in task_args.items():
            if not hasattr(new, key) and key not in _TASK_ARGS:
                raise AttributeError(f"Task '{self.name}' has no option '{key}' to override.")
            setattr(new, key, self.tags | set(value) if key == "tags" else value)
        new.tags |= set(context.get("tags") or ())
        return new

    def __call__(
        self,
        *args: Any,
        mapped: bool = False,
        task_args: dict[str, Any] | None = None,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Bind arguments in the active flow; returns a copy that stands for the result."""
        new = self.copy(**(task_args or {}))
        return new.bind(*args, mapped=mapped, upstream_tasks=upstream_tasks, flow=flow, **kwargs)

    def bind(
        self,
        *args: Any,
        mapped: bool = False,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Bind arguments to this very task (no copy) in ``flow`` or the active flow."""
        callargs = self._bind_arguments(args, kwargs)
        flow = flow or context.get("flow")
        if flow is None:
            shown = self.name if type(self).__name__ == "FunctionTask" else f"{type(self).__name__}(...)"
            raise ValueError(
                f"Could not infer an active Flow context while creating edge to {self}. "
                "This often means you called a task outside a `with Flow(...)` block. "
                f"If you're trying to run this task outside of a Flow context, you need to "
                f"call `{shown}.run(...)`"
            )
        self.set_dependencies(flow=flow, upstream_tasks=upstream_tasks, keyword_tasks=callargs,
                              mapped=mapped)
        tags = context.get("tags")
        if tags:
            self.tags |= set(tags)
        return self

    def _bind_arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        sig = inspect.signature(self.run)
        try:
            bound = sig.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"Task '{self.name}': {exc}") from None
        callargs = dict(bound.arguments)
        for name, param in sig.parameters.items():
            if param.kind is param.VAR_KEYWORD and name in callargs:
                callargs.update(callargs.pop(name))
        return callargs

    def map(
        self,
        *args: Any,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        task_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run one copy of the task per item of the mapped arguments.

        Arguments wrapped in ``unmapped(...)`` are passed whole to every child.

        Example:
            >>> from caudal import task, Flow, unmapped
            >>> @task
            ... def add(x, y):
            ...     return x + y
            >>> with Flow("map") as flow:
            ...     out = add.map([1, 2, 3], unmapped(10))
            >>> flow.run().result[out].result
            [11, 12, 13]
        """
        for arg in (*args, *kwargs.values()):
            if not hasattr(arg, "__getitem__") and not isinstance(arg, EdgeAnnotation | Task):
                raise TypeError(
                    f"Cannot map over unsubscriptable object of type {type(arg)}: "
                    f"{repr(arg)[:10]}..."
                )
        task_args = dict(task_args or {})
        task_args.setdefault("nout", None)
        new = self.copy(**task_args)
        return new.bind(*args, mapped=True, upstream_tasks=upstream_tasks, flow=flow, **kwargs)

    def set_dependencies(
        self,
        flow: Flow | None = None,
        upstream_tasks: Iterable[Any] | None = None,
        downstream_tasks: Iterable[Any] | None = None,
        keyword_tasks: Mapping[str, Any] | None = None,
        mapped: bool = False,
        validate: bool | None = None,
    ) -> Task:
        """Add this task and its dependencies to ``flow`` (or the active flow)."""
        flow = flow or context.get("flow")
        if flow is None:
            raise ValueError(
                f"No Flow was passed, and could not infer an active Flow context for {self}."
            )
        flow.set_dependencies(task=self, upstream_tasks=upstream_tasks,
                              downstream_tasks=downstream_tasks, keyword_tasks=keyword_tasks,
                              mapped=mapped, validate=validate)
        return self

    def set_upstream(self, task: Any, flow: Flow | None = None, key: str | None = None,
                     mapped: bool = False) -> Task:
        """Make ``task`` run before this one (passing its result as ``key`` if given)."""
        if key is not None:
            return self.set_dependencies(flow=flow, keyword_tasks={key: task}, mapped=mapped)
        return self.set_dependencies(flow=flow, upstream_tasks=[task], mapped=mapped)

    def set_downstream(self, task: Task, flow: Flow | None = None, key: str | None = None,
                       mapped: bool = False) -> Task:
        """Make ``task`` run after this one (receiving this result as ``key`` if given)."""
        if key is not None:
            task.set_dependencies(flow=flow, keyword_tasks={key: self}, mapped=mapped)
        else:
            task.set_dependencies(flow=flow, upstream_tasks=[self], mapped=mapped)
        return self

    def inputs(self) -> dict[str, dict[str, Any]]:
        """The ``run()`` arguments: type, whether required, default."""
        found = {}
        for name, p in inspect.signature(self.run).parameters.items():
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            found[name] = {
                "type": Any if p.annotation is p.empty else p.annotation,
                "required": p.default is p.empty,
                "default": None if p.default is p.empty else p.default,
            }
        return found

    def outputs(self) -> Any:
        """The return annotation of ``run()``, or ``Any``."""
        ann = inspect.signature(self.run).return_annotation
        return Any if ann is inspect.Signature.empty else ann

    def __iter__(self) -> Iterator[Task]:
        if self.nout is None:
            raise TypeError(
                f"Task '{self.name}' is not iterable. If your task returns multiple results, "
                "pass `nout` to the task decorator/constructor, or provide a `Tuple` "
                "return-type annotation to your task."
            )
        return (self[i] for i in range(self.nout))

    # ------------------------------------------------------------------ operators
    # Each builds an operator task in the active flow. == and != keep their Python meaning
    # (tasks live in sets and dicts), as in Prefect: use is_equal() / is_not_equal().

    def _operator(self, cls_name: str, *args: Any, **task_kwargs: Any) -> Task:
        from caudal.tasks.core import operators  # tasks.core builds on core; late by design

        return getattr(operators, cls_name)(**task_kwargs).bind(*args)

    def __getitem__(self, key: Any) -> Task:
        label = key.name if isinstance(key, Task) else repr(key)
        return self._operator("GetItem", self, key, name=f"{self.name}[{label}]",
                              checkpoint=self.checkpoint, result=self.result)

    def __or__(self, other: Any) -> Any:
        self.set_dependencies(downstream_tasks=[other])
        return other

    def __ror__(self, other: Any) -> Task:
        self.set_dependencies(upstream_tasks=[other])
        return self

    def __rshift__(self, other: Any) -> Any:
        self.set_dependencies(downstream_tasks=[other])
        return other

    def __rrshift__(self, other: Any) -> Task:
        self.set_dependencies(upstream_tasks=[other])
        return self

    def __lshift__(self, other: Any) -> Any:
        self.set_dependencies(upstream_tasks=[other])
        return other

    def __rlshift__(self, other: Any) -> Task:
        self.set_dependencies(downstream_tasks=[other])
        return self

    def is_equal(self, other: Any) -> Task:
        """A task that evaluates ``self == other``."""
        return self._operator("Equal", self, other)

    def is_not_equal(self, other: Any) -> Task:
        """A task that evaluates ``self != other``."""
        return self._operator("NotEqual", self, other)

    def not_(self) -> Task:
        """A task that evaluates ``not self``."""
        return self._operator("Not", self)

    def or_(self, other: Any) -> Task:
        """A task that evaluates ``self or other``."""
        return self._operator("Or", self, other)

    def __add__(self, other: Any) -> Task:
        return self._operator("Add", self, other)

    def __sub__(self, other: Any) -> Task:
        return self._operator("Sub", self, other)

    def __mul__(self, other: Any) -> Task:
        return self._operator("Mul", self, other)

    def __truediv__(self, other: Any) -> Task:
        return self._operator("Div", self, other)

    def __floordiv__(self, other: Any) -> Task:
        return self._operator("FloorDiv", self, other)

    def __mod__(self, other: Any) -> Task:
        return self._operator("Mod", self, other)

    def __pow__(self, other: Any) -> Task:
        return self._operator("Pow", self, other)

    def __and__(self, other: Any) -> Task:
        return self._operator("And", self, other)

    def __radd__(self, other: Any) -> Task:
        return self._operator("Add", other, self)

    def __rsub__(self, other: Any) -> Task:
        return self._operator("Sub", other, self)

    def __rmul__(self, other: Any) -> Task:
        return self._operator("Mul", other, self)

    def __rtruediv__(self, other: Any) -> Task:
        return self._operator("Div", other, self)

    def __rfloordiv__(self, other: Any) -> Task:
        return self._operator("FloorDiv", other, self)

    def __rmod__(self, other: Any) -> Task:
        return self._operator("Mod", other, self)

    def __rpow__(self, other: Any) -> Task:
        return self._operator("Pow", other, self)

    def __rand__(self, other: Any) -> Task:
        return self._operator("And", other, self)

    def __gt__(self, other: Any) -> Task:
        return self._operator("GreaterThan", self, other)

    def __ge__(self, other: Any) -> Task:
        return self._operator("GreaterThanOrEqual", self, other)

    def __lt__(self, other: Any) -> Task:
        return self._operator("LessThan", self, other)

    def __le__(self, other: Any) -> Task:
        return self._operator("LessThanOrEqual", self, other)

    __hash__ = object.__hash__


_TASK_ARGS = set(inspect.signature(Task.__init__).parameters) - {"self"}


def failure_handler(on_failure: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an ``on_failure(task_or_flow, state)`` callback into a state handler."""

    def handler(owner: Any, old_state: State, new_state: State) -> State:
        if new_state.is_failed():
            on_failure(owner, new_state)
        return new_state

    handler._on_failure = on_failure  # type: ignore[attr-defined]
    return handler


def __getattr__(name: str) -> Any:
    # Prefect 0.15 keeps an old ``Parameter`` here that warns it has moved. parameter.py builds
    # on this module, so the class is made on first use and kept in the module's namespace.
    if name != "Parameter":
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
    from caudal.core.parameter import Parameter as _Parameter

    class Parameter(_Parameter):
        """``caudal.Parameter`` at its old path: warns that it has moved, then is one."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            import warnings

            warnings.warn("`Parameter` has moved, please import as `caudal.Parameter`",
                          UserWarning, stacklevel=2)
            super().__init__(*args, **kwargs)

    Parameter.__qualname__ = "Parameter"
    globals()["Parameter"] = Parameter
    return Parameter
