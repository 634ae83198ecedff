"""FSSpec: flows kept as objects under any fsspec URL (``memory://``, ``s3://``, ``az://``...).

``GCS`` and ``S3`` are this storage with a bucket. The file system's package (gcsfs, s3fs,
adlfs...) is imported on first use, never at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from caudal.exceptions import FlowStorageError
from caudal.storage.base import (
    Storage,
    flow_from_bytes,
    flow_key,
    flow_to_bytes,
    public_options,
    source_key,
)
from caudal.storage.extract import extract_flows_from_script, pick_flow

if TYPE_CHECKING:
    from caudal.core.flow import Flow

__all__ = ["FSSpec"]


class FSSpec(Storage):
    """Flows kept as objects under ``url``, an fsspec URL; uploaded by ``build()``.

    Each flow goes to ``<url>/<key>``: a pickle (``<flow-slug>/<timestamp>.pkl`` by default)
    with its source text beside it (``.py``), or, with ``stored_as_script=True``, the flow's
    script (``<flow-slug>/<timestamp>.py`` by default). ``flows`` maps each name to its key.

    Args:
        url: where flows go, such as ``"memory://flows"`` or ``"s3://bucket/prefix"``.
        key: the object key (relative to ``url``) for the flow; by default a fresh one per
            flow. With ``stored_as_script`` and no ``local_script_path``, the script is taken
            to be in place already.
        stored_as_script: keep the flow's ``.py`` file and rebuild the flow by running it.
        local_script_path: the script to upload with ``stored_as_script`` (by default, the
            file found to define the flow).
        storage_options: keyword arguments for the file system (endpoint, credentials...),
            as ``fsspec.filesystem(protocol, **storage_options)`` takes them.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Raises:
        ImportError: (on first use) the package for ``url``'s protocol is not installed.

    Example:
        >>> from caudal import Flow, task
        >>> with Flow("hello") as flow:
        ...     task(lambda: "hi", name="greet")()
        <Task: greet>
        >>> storage = FSSpec("memory://docs/flows")
        >>> key = storage.add_flow(flow)
        >>> storage.url_of(key).startswith("memory://docs/flows/hello/")
        True
        >>> loaded = storage.build().get_flow("hello")
        >>> loaded.run().result[loaded.get_tasks(name="greet")[0]].result
        'hi'
    """

    def __init__(self, url: str, key: str | None = None, stored_as_script: bool = False,
                 local_script_path: str | None = None,
                 storage_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(stored_as_script=stored_as_script, **kwargs)
        self.url = url.rstrip("/")
        self.key = key
        self.local_script_path = local_script_path
        self.storage_options = dict(storage_options or {})
        # Flows added but not yet uploaded, and the script text to upload for each.
        self._pending: dict[str, Flow] = {}
        self._scripts: dict[str, str | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        # A flow pickles its storage; pending flows must not ride along inside each other.
        state = self.__dict__.copy()
        state["_pending"] = {}
        state["_scripts"] = {}
        return state

    def filesystem(self) -> Any:
        """The fsspec file system for ``url`` (fsspec reuses one per set of options)."""
        import fsspec

        protocol = self.url.split("://", 1)[0] if "://" in self.url else "file"
        return fsspec.filesystem(protocol, **self.storage_options)

    def url_of(self, key: str) -> str:
        """The full URL of the object at ``key``."""
        return f"{self.url}/{key.lstrip('/')}"

    def add_flow(self, flow: Flow) -> str:
        """Record ``flow`` for upload by ``build()`` and return its key.

        Raises:
            ValueError: a flow of that name is already here, or ``stored_as_script=True``
                and there is no script to upload and no ``key`` for one in place.
        """
        self._check_new(flow)
        found = self._record_source(flow)
        suffix = ".py" if self.stored_as_script else ".pkl"
        key = self.key or flow_key(flow.name, suffix)
        if self.stored_as_script:
            script = self.local_script_path or (None if self.key else found)
            if script is None and self.key is None:
                raise ValueError(
                    f"Flow '{flow.name}' is stored as a script, but no .py file defining it "
                    "was found; pass local_script_path=..., or key=... for a script already "
                    "uploaded.")
            text = Path(script).read_text() if script is not None else None
            if text is not None:
                self.flow_sources[flow.name] = text
            self._scripts[flow.name] = text
        self.flows[flow.name] = key
        self._pending[flow.name] = flow
        return key

    def build(self) -> FSSpec:
        """Upload every flow added since the last build; returns the storage.

        Raises:
            FlowStorageError: a script expected in place (``key`` without
                ``local_script_path``) is not there.
        """
        fs = self.filesystem()
        for name, flow in list(self._pending.items()):
            path = self.url_of(self.flows[name])
            if self.stored_as_script:
                text = self._scripts.get(name)
                if text is not None:
                    fs.pipe_file(path, text.encode(), **self._upload_options())
                elif not fs.exists(path):
                    raise FlowStorageError(
                        f"Flow '{name}' is stored as the script '{path}', which does not exist; "
                        "upload it, or pass local_script_path=... to have build() do so.",
                        path=path)
            else:
                fs.pipe_file(path, flow_to_bytes(flow), **self._upload_options())
                if name in self.flow_sources:
                    fs.pipe_file(source_key(path), self.flow_sources[name].encode(),
                                 **self._upload_options())
            del self._pending[name]
            self._scripts.pop(name, None)
        return self

    def get_flow(self, flow_name: str) -> Flow:
        """Download and rebuild ``flow_name`` (see ``Storage.get_flow``)."""
        self._check_contains(flow_name)
        path = self.url_of(self.flows[flow_name])
        data = self._download(flow_name, path)
        if self.stored_as_script:
            return pick_flow(extract_flows_from_script(data.decode(), path), flow_name, path)
        return flow_from_bytes(data, path)

    def _download(self, flow_name: str, path: str) -> bytes:
        fs = self.filesystem()
        try:
            fs.invalidate_cache(path)
            return bytes(fs.cat_file(path))
        except FileNotFoundError as exc:
            raise FlowStorageError(
                f"Flow '{flow_name}' should be at '{path}', but nothing is stored there; was "
                "storage.build() called after add_flow (flow.register() does both)?",
                path=path) from exc

    def _read_source(self, flow_name: str) -> str | None:
        path = self.url_of(self.flows[flow_name])
        if not self.stored_as_script:
            path = source_key(path)
        try:
            return bytes(self.filesystem().cat_file(path)).decode()
        except FileNotFoundError:
            return None

    def _upload_options(self) -> dict[str, Any]:
        return {}

    def _settings(self) -> dict[str, Any]:
        return {"url": self.url, "key": self.key,
                "storage_options": public_options(self.storage_options)}
