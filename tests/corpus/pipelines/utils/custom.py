"""The agencies' Flow: Prefect's Flow plus code owners and an on_failure callback."""

from __future__ import annotations

from collections.abc import Callable

import prefect
from prefect.engine.state import State

from pipelines.utils.state_handlers import skip_if_running_handler


class Flow(prefect.Flow):
    def __init__(
        self,
        name: str,
        on_failure: Callable | None = None,
        code_owners: list[str] | None = None,
        skip_if_running: bool = False,
        **kwargs,
    ):
        state_handlers = list(kwargs.pop("state_handlers", None) or [])
        if skip_if_running:
            state_handlers.insert(0, skip_if_running_handler)
        if on_failure is not None:
            state_handlers.append(self._failure_handler)
        super().__init__(name=name, state_handlers=state_handlers, **kwargs)
        self.on_failure = on_failure
        self.code_owners = code_owners or ["pipeliners"]

    def _failure_handler(self, flow, old_state: State, new_state: State) -> State:
        if new_state.is_failed() and self.on_failure is not None:
            self.on_failure(flow, new_state)
        return new_state
