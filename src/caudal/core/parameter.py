"""Parameter: a flow input, given at run time (``flow.run(n_users=20)``) or by its default."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from caudal.core.task import NoDefault, Task, no_default
from caudal.engine.results.prefect import PrefectResult
from caudal.engine.serializers import DateTimeSerializer
from caudal.utilities.context import context

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["DateTimeParameter", "Parameter"]


class Parameter(Task):
    """A task whose result is the value of the flow run's parameter ``name``.

    Args:
        name: the parameter's name, unique in the flow (also its slug).
        default: the value used when the run does not give one.
        required: whether a run must give a value; by default, required when there is no
            default.
        tags: labels, as for any task.

    Example:
        >>> from caudal import Flow, Parameter, task
        >>> @task
        ... def greet(who):
        ...     return f"hello {who}"
        >>> with Flow("greet") as flow:
        ...     g = greet(Parameter("who", default="world"))
        >>> flow.run(who="caudal").result[g].result
        'hello caudal'
    """

    def __init__(
        self,
        name: str,
        default: Any = no_default,
        required: bool | None = None,
        tags: Iterable[str] | None = None,
    ) -> None:
        if required is None:
            required = isinstance(default, NoDefault)
        if isinstance(default, NoDefault):
            default = None
        self.required = required
        self.default = default
        # A parameter's value is small and JSON: checkpointing keeps it in its location text
        # (PrefectResult), never in the flow's result storage.
        super().__init__(name=name, slug=name, tags=tags, checkpoint=True,
                         result=PrefectResult())

    def __repr__(self) -> str:
        return f"<Parameter: {self.name}>"

    def __call__(self, flow: Flow | None = None) -> Parameter:  # type: ignore[override]
        """Add the parameter to ``flow`` (or the active flow) and return it."""
        return super().bind(flow=flow)  # type: ignore[return-value]

    def copy(self, name: str, **task_args: Any) -> Parameter:  # type: ignore[override]
        """A parameter like this one under a new name (names must be unique in a flow)."""
        return super().copy(name=name, slug=name, **task_args)  # type: ignore[return-value]

    def run(self) -> Any:
        parameters = context.get("parameters") or {}
        if self.name in parameters:
            return parameters[self.name]
        if self.required:
            from caudal.engine import signals

            # A FAIL, as in Prefect: the parameter ends Failed with this message alone.
            raise signals.FAIL(f'Parameter "{self.name}" was required but not provided.')
        return self.default


class DateTimeParameter(Parameter):
    """A parameter given as an ISO 8601 string (or datetime) and passed on as a datetime."""

    def __init__(self, name: str, required: bool = True, tags: Iterable[str] | None = None
                 ) -> None:
        super().__init__(name=name, default=None, required=required, tags=tags)
        self.result = PrefectResult(serializer=DateTimeSerializer())

    def run(self) -> Any:
        value = super().run()
        if value is None:
            return value
        if isinstance(value, datetime.datetime):
            return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        try:
            parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"Parameter '{self.name}' has value {value!r}; not an ISO 8601 date-time."
            ) from None
        # A date-time without an offset is read as UTC, as Prefect does.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
