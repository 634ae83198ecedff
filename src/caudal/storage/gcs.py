"""GCS: flows kept as objects (blobs) in a Google Cloud Storage bucket, through gcsfs."""

from __future__ import annotations

from typing import Any

from caudal.storage.base import public_options
from caudal.storage.fsspec import FSSpec
from caudal.utilities.filesystems import gcs_filesystem

__all__ = ["GCS"]


class GCS(FSSpec):
    """Flows kept in a GCS bucket: a pickle per flow, or its script; uploaded by ``build()``.

    Credentials are found the way Google's libraries find them (``gcloud auth
    application-default login``, ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server), or
    given as ``storage_options={"token": ...}``. An emulator is reached through the
    ``STORAGE_EMULATOR_HOST`` environment variable (read by gcsfs) or ``endpoint_url``. Needs
    the ``gcs`` extra (``pip install caudal[gcs]``).

    Args:
        bucket: the bucket that holds the flows.
        key: the blob name for the flow; by default ``<flow-slug>/<timestamp>.pkl`` (``.py``
            for scripts).
        project: the Google Cloud project to bill requests to.
        stored_as_script: keep the flow's ``.py`` file and rebuild the flow by running it.
        local_script_path: the script to upload with ``stored_as_script``.
        endpoint_url: the GCS JSON API address, for an emulator (``http://127.0.0.1:9023``).
        storage_options: other keyword arguments for ``gcsfs.GCSFileSystem`` (``token``...).
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Example:
        >>> storage = GCS("city-pipelines", project="city-data")
        >>> storage.url_of("iptu/2024.pkl")
        'gs://city-pipelines/iptu/2024.pkl'
        >>> storage.serialize()["bucket"], storage.serialize()["project"]
        ('city-pipelines', 'city-data')
    """

    def __init__(self, bucket: str, key: str | None = None, project: str | None = None,
                 stored_as_script: bool = False, local_script_path: str | None = None, *,
                 endpoint_url: str | None = None, storage_options: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        if not bucket:
            raise ValueError("GCS storage needs a bucket: GCS('my-bucket').")
        options = dict(storage_options or {})
        if project is not None:
            options["project"] = project
        if endpoint_url is not None:
            options["endpoint_url"] = endpoint_url
        super().__init__(f"gs://{bucket}", key=key, stored_as_script=stored_as_script,
                         local_script_path=local_script_path, storage_options=options,
                         **kwargs)
        self.bucket = bucket
        self.project = project
        self.endpoint_url = endpoint_url

    def filesystem(self) -> Any:
        return gcs_filesystem(self.storage_options)

    def _settings(self) -> dict[str, Any]:
        options = public_options(self.storage_options)
        options.pop("project", None)
        options.pop("endpoint_url", None)
        return {"bucket": self.bucket, "key": self.key, "project": self.project,
                "endpoint_url": self.endpoint_url, "storage_options": options}
