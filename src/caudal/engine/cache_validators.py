"""Cache validators (Prefect 0.15 path); caching arrives with the executors and results issue."""

from __future__ import annotations

from typing import Any

from caudal.exceptions import NotAvailableError

__all__ = ["all_inputs", "all_parameters", "duration_only", "never_use", "partial_inputs_only",
           "partial_parameters_only"]


def _unavailable(name: str) -> Any:
    def validator(*args: Any, **kwargs: Any) -> bool:
        raise NotAvailableError(f"cache validator '{name}'", "the executors and results issue")

    validator.__name__ = name
    return validator


never_use = _unavailable("never_use")
duration_only = _unavailable("duration_only")
all_inputs = _unavailable("all_inputs")
all_parameters = _unavailable("all_parameters")
partial_inputs_only = _unavailable("partial_inputs_only")
partial_parameters_only = _unavailable("partial_parameters_only")
