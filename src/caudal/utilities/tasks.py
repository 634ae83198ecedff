"""The ``@task`` decorator and its helpers: ``tags``, ``as_task``, ``defaults_from_attrs``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from caudal.core.task import Task
from caudal.tasks.core.function import FunctionTask
from caudal.utilities.context import context

__all__ = ["apply_map", "as_task", "defaults_from_attrs", "tags", "task", "unmapped"]


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


def as_task(x: Any, flatten: bool = False) -> Task:
    """The task standing for ``x``: ``x`` itself, a collection task, or a Constant."""
    from caudal.core.flow import _as_task
    from caudal.utilities.edges import flatten as _flatten

    found = _as_task(_flatten(x) if flatten else x, force=True, flow=context.get("flow"))
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


def apply_map(func: Callable[..., Any], *args: Any, flow: Any = None, **kwargs: Any) -> Any:
    from caudal.exceptions import NotAvailableError

    raise NotAvailableError("apply_map", "the executors and results issue")


from caudal.utilities.edges import unmapped  # noqa: E402  re-exported at Prefect's path
