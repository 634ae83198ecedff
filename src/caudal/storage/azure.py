"""Azure: flows kept as blobs in an Azure Blob Storage container, through adlfs (fsspec)."""

from __future__ import annotations

from typing import Any

from caudal.exceptions import FlowStorageError
from caudal.storage.fsspec import FSSpec
from caudal.storage.secrets import environment_value, find_secret, read_secret

__all__ = ["Azure"]

CONNECTION_STRING_NAME = "AZURE_STORAGE_CONNECTION_STRING"


class Azure(FSSpec):
    """Flows kept in an Azure Blob Storage container: a pickle per flow, or its script.

    ``build()`` uploads each flow added to ``<container>/<blob>``, with its source text
    beside it (``.py``); runs download it. The account is reached with a connection string:
    the secret ``connection_string_secret``, else the secret or environment variable
    ``AZURE_STORAGE_CONNECTION_STRING``; it is read where the flow is stored or loaded, and
    never registered. The container must exist. Needs the ``azure`` extra
    (``pip install caudal[azure]``, which brings adlfs).

    Args:
        container: the container that holds the flows.
        connection_string_secret: the secret holding the account's connection string.
        blob_name: the blob for the flow; by default ``<flow-slug>/<timestamp>.pkl``
            (``.py`` for scripts). With ``stored_as_script``, a blob name means the script
            is uploaded already; without one, the flow's file is uploaded.
        overwrite: replace a blob that exists already; otherwise ``build()`` refuses.
        stored_as_script: keep the flow's ``.py`` file and rebuild the flow by running it.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``;
            ``local_script_path`` names the script to upload.

    Example:
        >>> storage = Azure("pipelines", connection_string_secret="AZURE_FLOWS")
        >>> storage.url_of("etl/2024.pkl")
        'az://pipelines/etl/2024.pkl'
        >>> "AZURE_FLOWS" in str(storage.serialize())
        True
    """

    def __init__(self, container: str, connection_string_secret: str | None = None,
                 blob_name: str | None = None, overwrite: bool = False,
                 stored_as_script: bool = False, **kwargs: Any) -> None:
        if not container:
            raise ValueError("Azure storage needs a container: Azure('my-container').")
        super().__init__(f"az://{container}", key=blob_name, stored_as_script=stored_as_script,
                         **kwargs)
        self.container = container
        self.connection_string_secret = connection_string_secret
        self.blob_name = blob_name
        self.overwrite = overwrite

    def connection_string(self) -> str:
        """The account's connection string, read now (see the class docstring).

        Raises:
            FlowStorageError: it is set nowhere.
        """
        if self.connection_string_secret is not None:
            return read_secret(self.connection_string_secret,
                               "Azure storage's connection_string_secret")
        found = find_secret(CONNECTION_STRING_NAME) or environment_value(CONNECTION_STRING_NAME)
        if not found:
            raise FlowStorageError(
                f"Azure storage for container '{self.container}' has no connection string: "
                f"set the variable {CONNECTION_STRING_NAME}, or name a secret that holds it "
                "with connection_string_secret=...", path=self.url)
        return found

    def filesystem(self) -> Any:
        try:
            from adlfs import AzureBlobFileSystem
        except ImportError as exc:
            raise ImportError("Azure storage needs adlfs: pip install 'caudal[azure]'.") from exc
        return AzureBlobFileSystem(connection_string=self.connection_string(),
                                   **self.storage_options)

    def build(self) -> Azure:
        """Upload every flow added since the last build; returns the storage.

        Raises:
            FlowStorageError: a blob exists already and ``overwrite`` is False, or a script
                expected in place is not there.
        """
        try:
            super().build()
        except FlowStorageError:
            raise
        except Exception as exc:
            if type(exc).__name__ not in ("ResourceExistsError", "FileExistsError"):
                raise
            raise FlowStorageError(
                f"A blob for this flow exists already in container '{self.container}' "
                f"({exc}); pass overwrite=True, or a new blob_name.", path=self.url) from exc
        return self

    def _upload_options(self) -> dict[str, Any]:
        return {"overwrite": self.overwrite}

    def _settings(self) -> dict[str, Any]:
        return {"container": self.container,
                "connection_string_secret": self.connection_string_secret,
                "blob_name": self.blob_name, "overwrite": self.overwrite}
