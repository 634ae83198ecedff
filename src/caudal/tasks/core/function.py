"""FunctionTask: a task whose ``run()`` is a plain function (what ``@task`` makes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from caudal.core.task import Task, _validate_run_signature

__all__ = ["FunctionTask"]


class FunctionTask(Task):
    """Wraps ``fn`` as a task; keyword arguments are the Task options.

    Args:
        fn: the function to run; its signature becomes the task's.
        name: defaults to the function's name.
        **kwargs: any Task option (``max_retries``, ``timeout``, ``nout``...).

    Example:
        >>> t = FunctionTask(lambda x: x + 1, name="inc")
        >>> t.run(1), t.name
        (2, 'inc')
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {type(fn).__name__}.")
        _validate_run_signature(fn, getattr(fn, "__name__", repr(fn)))
        self.run = fn  # type: ignore[method-assign]
        if name is None:
            name = getattr(fn, "__name__", type(self).__name__)
        super().__init__(name=name, **kwargs)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()
