"""Environment: the base of Prefect 0.15's deprecated execution environments."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from caudal.exceptions import NotSupportedError
from caudal.utilities.logging import get_logger

__all__ = ["Environment", "load_and_run_flow"]

DEPRECATION_MESSAGE = (
    "Environments (flow.environment) are deprecated, as in Prefect 0.15: caudal keeps the "
    "object but never uses it. Say where a flow runs with flow.run_config instead (see "
    "caudal.run_configs: LocalRun, KubernetesRun, DockerRun, UniversalRun).")


def _not_supported(what: str) -> NotSupportedError:
    return NotSupportedError(
        f"{what}: caudal does not run flows through environments. Set flow.run_config "
        "(caudal.run_configs) and register the flow; a caudal agent then runs it. "
        "flow.run() runs it here and now.")


class Environment:
    """Where and how a flow runs, in Prefect 0.15's deprecated form; kept, never used.

    Constructing one warns (``UserWarning``) that environments are deprecated, as Prefect
    0.15.9 does.

    Args:
        labels: labels an agent must have to run the flow; kept as a set.
        on_start: a function Prefect called when the environment started; kept, never called.
        on_exit: a function Prefect called when the environment ended; kept, never called.
        metadata: free-form data about the environment (Prefect's agents read ``image``).
    """

    def __init__(self, labels: Iterable[str] | None = None, on_start: Callable | None = None,
                 on_exit: Callable | None = None, metadata: dict | None = None) -> None:
        self.labels = set(labels) if labels else set()
        self.on_start = on_start
        self.on_exit = on_exit
        self.metadata = metadata or {}
        self.logger: logging.Logger = get_logger(type(self).__name__)
        # Point the warning at the user's line, past each subclass __init__ that called ours.
        depth = sum(1 for cls in type(self).__mro__
                    if issubclass(cls, Environment) and "__init__" in vars(cls))
        warnings.warn(DEPRECATION_MESSAGE, UserWarning, stacklevel=depth + 1)

    def __repr__(self) -> str:
        return f"<Environment: {type(self).__name__}>"

    @property
    def dependencies(self) -> list[str]:
        """Python packages the environment needs to run a flow; none in caudal."""
        return []

    def setup(self, flow: Any) -> None:
        """Prefect prepared the infrastructure here; caudal raises ``NotSupportedError``."""
        raise _not_supported(f"{type(self).__name__}.setup")

    def execute(self, flow: Any, **kwargs: Any) -> None:
        """Prefect ran the flow here; caudal raises ``NotSupportedError``."""
        raise _not_supported(f"{type(self).__name__}.execute")

    def run(self, flow: Any) -> None:
        """Prefect ran the flow in this process here; caudal raises ``NotSupportedError``."""
        raise _not_supported(f"{type(self).__name__}.run")

    def serialize(self) -> dict[str, Any]:
        """The environment's type, labels and metadata, as a JSON-ready dict."""
        from caudal import __version__

        return {"type": type(self).__name__, "labels": sorted(self.labels),
                "metadata": self.metadata, "__version__": __version__}


def load_and_run_flow() -> None:
    """Prefect's entry point inside an environment's job; caudal raises ``NotSupportedError``.

    Raises:
        NotSupportedError: always; a caudal agent starts flow runs with ``caudal execute
            flow-run``.
    """
    raise NotSupportedError(
        "load_and_run_flow: caudal does not run flows through environments. A caudal agent "
        "starts each flow run with 'caudal execute flow-run'; set flow.run_config "
        "(caudal.run_configs) and register the flow.")
