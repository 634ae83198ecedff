"""LocalRun: a flow run as a process on the agent's machine."""

from __future__ import annotations

from collections.abc import Iterable

from caudal.run_configs.base import RunConfig

__all__ = ["LocalRun"]


class LocalRun(RunConfig):
    """Launch the run as a local process, with extra environment and a working directory.

    Args:
        env: environment variables added to the agent's for this run.
        working_dir: the directory the run starts in (default: the agent's).
        labels: agent labels the run needs.

    Example:
        >>> run = LocalRun(env={"DB": "prod"}, working_dir="/srv/etl", labels=["dev"])
        >>> run.working_dir, sorted(run.labels)
        ('/srv/etl', ['dev'])
    """

    def __init__(self, *, env: dict[str, str] | None = None, working_dir: str | None = None,
                 labels: Iterable[str] | None = None) -> None:
        super().__init__(env=env, labels=labels)
        self.working_dir = working_dir
