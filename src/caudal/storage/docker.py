"""Docker: Prefect 0.15's image-building storage, kept so that flows declaring it import.

caudal builds no images. The class takes Prefect's arguments and describes itself, and
storing or loading a flow with it raises ``FlowStorageError`` saying what to use instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from caudal.exceptions import FlowStorageError
from caudal.storage.base import Storage

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["Docker"]

INSTEAD = (
    "caudal does not build Docker images, so Docker storage cannot store or load flow "
    "'{flow}'. Build and push the image yourself (a Dockerfile that installs caudal and copies "
    "your flows' code in), then give the flow storage that finds the code inside it, such as "
    "Module('pipelines.flows') or Local(path='/app/flows/etl.py', stored_as_script=True, "
    "add_default_labels=False), and run_config=KubernetesRun(image='registry/pipelines:1.0') "
    "for the Kubernetes agent. To keep no image at all, use S3, GCS, Azure, Git or GitHub "
    "storage."
)


class Docker(Storage):
    """Prefect 0.15's Docker storage: accepted, described, and refused when used.

    Every argument is Prefect 0.15's and is kept as given (``serialize()`` describes the
    image), so a flow file that sets ``flow.storage = Docker(...)`` still imports and runs
    with ``flow.run()``. ``add_flow``, ``build`` and ``get_flow`` raise ``FlowStorageError``
    naming what to use instead: caudal builds no images.

    Example:
        >>> storage = Docker(registry_url="registry.city.gov", image_name="etl",
        ...                  image_tag="1.0")
        >>> storage.name
        'registry.city.gov/etl:1.0'
    """

    def __init__(self, registry_url: str | None = None, base_image: str | None = None,
                 dockerfile: str | None = None, dockerignore: str | None = None,
                 python_dependencies: list[str] | None = None, image_name: str | None = None,
                 image_tag: str | None = None, env_vars: dict[str, str] | None = None,
                 files: dict[str, str] | None = None, prefect_version: str | None = None,
                 local_image: bool = False, ignore_healthchecks: bool = False,
                 base_url: str | None = None, tls_config: Any = False,
                 build_kwargs: dict[str, Any] | None = None,
                 prefect_directory: str = "/opt/prefect", path: str | None = None,
                 stored_as_script: bool = False,
                 extra_dockerfile_commands: list[str] | None = None, **kwargs: Any) -> None:
        if base_image is not None and dockerfile is not None:
            raise ValueError("Docker storage takes base_image or dockerfile, not both.")
        super().__init__(stored_as_script=stored_as_script, **kwargs)
        self.registry_url = registry_url
        self.base_image = base_image
        self.dockerfile = dockerfile
        self.dockerignore = dockerignore
        self.python_dependencies = list(python_dependencies or [])
        self.image_name = image_name
        self.image_tag = image_tag
        self.env_vars = dict(env_vars or {})
        self.files = dict(files or {})
        self.prefect_version = prefect_version
        self.local_image = local_image
        self.ignore_healthchecks = ignore_healthchecks
        self.base_url = base_url
        self.tls_config = tls_config
        self.build_kwargs = dict(build_kwargs or {})
        self.prefect_directory = prefect_directory
        self.path = path
        self.extra_dockerfile_commands = list(extra_dockerfile_commands or [])

    @property
    def name(self) -> str:
        """The image's full name, ``<registry_url>/<image_name>:<image_tag>``, as far as
        it is known."""
        name = "/".join(part for part in (self.registry_url, self.image_name) if part)
        return f"{name}:{self.image_tag}" if self.image_tag else name

    def add_flow(self, flow: Flow) -> str:
        """Refuse, saying what to use instead: caudal builds no images.

        Raises:
            FlowStorageError: always.
        """
        self._refuse(flow.name)

    def build(self, push: bool = True) -> Storage:
        """Refuse, saying what to use instead: caudal builds no images.

        Raises:
            FlowStorageError: always.
        """
        self._refuse(", ".join(sorted(self.flows)) or "(none)")

    def get_flow(self, flow_name: str) -> Flow:
        """Refuse, saying what to use instead: caudal builds no images.

        Raises:
            FlowStorageError: always.
        """
        self._refuse(flow_name)

    def _refuse(self, flow: str) -> NoReturn:
        raise FlowStorageError(INSTEAD.format(flow=flow), path=self.name or None)

    def _settings(self) -> dict[str, Any]:
        return {"registry_url": self.registry_url, "image_name": self.image_name,
                "image_tag": self.image_tag, "path": self.path,
                "prefect_directory": self.prefect_directory}
