"""DockerRun: a flow run in a Docker container (image, environment, host config)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from caudal.run_configs.base import RunConfig

__all__ = ["DockerRun"]


class DockerRun(RunConfig):
    """Launch the run in a container of ``image``.

    Example:
        >>> DockerRun(image="etl:1.2", labels=["docker"]).image
        'etl:1.2'
    """

    def __init__(self, *, image: str | None = None, env: dict[str, str] | None = None,
                 labels: Iterable[str] | None = None,
                 host_config: dict[str, Any] | None = None) -> None:
        super().__init__(env=env, labels=labels)
        self.image = image
        self.host_config = host_config
