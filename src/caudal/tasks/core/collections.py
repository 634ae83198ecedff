"""Collection tasks: what a list, tuple, set or dict of tasks becomes when passed as an argument."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task

__all__ = ["Dict", "List", "Set", "Tuple"]


class _VarArgsTask(Task):
    """Binds positional arguments as ``arg_1``, ``arg_2``... and collects them in order."""

    def bind(self, *args: Any, upstream_tasks: Any = None, flow: Any = None,  # type: ignore[override]
             mapped: bool = False, **kwargs: Any) -> Task:
        named = {f"arg_{i}": a for i, a in enumerate(args, start=1)}
        return super().bind(upstream_tasks=upstream_tasks, flow=flow, mapped=mapped,
                            **named, **kwargs)

    def _values(self, task_results: dict[str, Any]) -> list[Any]:
        keys = sorted((k for k in task_results if k.startswith("arg_")),
                      key=lambda k: int(k[4:]))
        return [task_results[k] for k in keys]


class List(_VarArgsTask):
    """Collects its arguments into a list."""

    def run(self, **task_results: Any) -> list[Any]:
        return self._values(task_results)


class Tuple(_VarArgsTask):
    """Collects its arguments into a tuple."""

    def run(self, **task_results: Any) -> tuple[Any, ...]:
        return tuple(self._values(task_results))


class Set(_VarArgsTask):
    """Collects its arguments into a set."""

    def run(self, **task_results: Any) -> set[Any]:
        return set(self._values(task_results))


class Dict(Task):
    """Builds a dict from a list of keys and a list of values."""

    def run(self, keys: list[Any], values: list[Any]) -> dict[Any, Any]:
        if len(keys) != len(values):
            raise ValueError(f"Dict task got {len(keys)} keys but {len(values)} values.")
        return dict(zip(keys, values, strict=True))
