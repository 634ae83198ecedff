"""Local: flows kept as files in a folder of this machine (``<home_dir>/flows`` by default)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caudal.exceptions import FlowStorageError
from caudal.storage.base import Storage, flow_from_bytes, flow_key, flow_to_bytes, source_key
from caudal.storage.extract import extract_flows, pick_flow
from caudal.utilities.context import context

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["Local"]


class Local(Storage):
    """Flows kept as files on this machine; only an agent here can run them.

    ``add_flow`` writes right away: a pickle at ``<directory>/<flow-slug>/<timestamp>.pkl``
    with the flow's source text beside it (``.py``), or, with ``stored_as_script=True``,
    nothing but a note of the script's path. The storage carries this machine's host name as
    a label (unless ``add_default_labels=False``), so that agents elsewhere do not pick it.

    Args:
        directory: the folder for pickled flows; ``<config.home_dir>/flows`` by default,
            which the ``CAUDAL_HOME`` variable moves.
        validate: make ``directory`` absolute and create it now.
        path: the flow's ``.py`` file, for ``stored_as_script=True`` (by default, the file
            found to define the flow).
        stored_as_script: keep only the path of the flow's script and rebuild the flow by
            running it.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Example:
        >>> import tempfile
        >>> from caudal import Flow, task
        >>> with Flow("hello") as flow:
        ...     task(lambda: "hi", name="greet")()
        <Task: greet>
        >>> storage = Local(directory=tempfile.mkdtemp(), add_default_labels=False)
        >>> location = storage.add_flow(flow)
        >>> location.endswith(".pkl"), "hello" in storage
        (True, True)
        >>> loaded = storage.build().get_flow("hello")
        >>> loaded.run().result[loaded.get_tasks(name="greet")[0]].result
        'hi'
    """

    def __init__(self, directory: str | None = None, validate: bool = True,
                 path: str | None = None, stored_as_script: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(stored_as_script=stored_as_script, **kwargs)
        if directory is None:
            directory = os.path.join(str(context.config.home_dir), "flows")
        directory = os.path.expanduser(os.fspath(directory))
        if validate:
            directory = os.path.abspath(directory)
            os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.path = path
        self.validate = validate

    @property
    def default_labels(self) -> list[str]:
        return [socket.gethostname()]

    def add_flow(self, flow: Flow) -> str:
        """Write ``flow`` (or note its script) and return the file's absolute path.

        Raises:
            ValueError: a flow of that name is already here, or ``stored_as_script=True`` and
                no script was given or found.
        """
        self._check_new(flow)
        found = self._record_source(flow)
        if self.stored_as_script:
            script = self.path or found
            if script is None:
                raise ValueError(f"Flow '{flow.name}' is stored as a script, but no .py file "
                                 "defining it was found; pass Local(path=...).")
            location = os.path.abspath(script)
            self.flow_sources[flow.name] = Path(location).read_text()
        else:
            location = os.path.join(self.directory, flow_key(flow.name, ".pkl"))
            os.makedirs(os.path.dirname(location), exist_ok=True)
            Path(location).write_bytes(flow_to_bytes(flow))
            if flow.name in self.flow_sources:
                Path(source_key(location)).write_text(self.flow_sources[flow.name])
        self.flows[flow.name] = location
        return location

    def get_flow(self, flow_name: str) -> Flow:
        """Rebuild ``flow_name`` from its file (see ``Storage.get_flow``)."""
        self._check_contains(flow_name)
        location = self.flows[flow_name]
        if self.stored_as_script:
            return pick_flow(extract_flows(location), flow_name, location)
        try:
            data = Path(location).read_bytes()
        except FileNotFoundError as exc:
            raise FlowStorageError(
                f"Flow '{flow_name}' was stored at '{location}', which no longer exists on "
                f"{socket.gethostname()}; register the flow again.", path=location) from exc
        return flow_from_bytes(data, location)

    def _read_source(self, flow_name: str) -> str | None:
        location = self.flows[flow_name]
        file = Path(location if self.stored_as_script else source_key(location))
        return file.read_text() if file.is_file() else None

    def _settings(self) -> dict[str, Any]:
        return {"directory": self.directory, "path": self.path}
