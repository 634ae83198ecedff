"""RunConfig: how an agent should launch a flow's runs (labels to match, environment)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["RunConfig", "UniversalRun"]


class RunConfig:
    """What every run config carries: environment variables and agent labels.

    Args:
        env: environment variables set for the flow run.
        labels: an agent runs the flow only if it has every one of these labels.

    Raises:
        TypeError: ``labels`` is a single string (a set of labels is expected).
    """

    def __init__(self, env: dict[str, str] | None = None,
                 labels: Iterable[str] | None = None) -> None:
        if isinstance(labels, str):
            raise TypeError(f"labels should be a list or set of labels, not the string {labels!r}.")
        if env is not None and not isinstance(env, dict):
            raise TypeError(f"env should be a dict of variable names to values, not {env!r}.")
        self.env = env
        self.labels: set[str] = set(labels or ())

    def _fields(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v not in (None, set(), {})}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(self._fields().items()))
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return id(self)

    def serialize(self) -> dict[str, Any]:
        """A JSON-safe description: the type, then each field set (labels sorted)."""
        fields = {k: sorted(v) if isinstance(v, set) else v for k, v in vars(self).items()}
        return {"type": type(self).__name__, **fields}


class UniversalRun(RunConfig):
    """Runs on any agent whose labels match, with no launcher-specific settings.

    Example:
        >>> UniversalRun(labels=["etl"]).labels
        {'etl'}
    """
