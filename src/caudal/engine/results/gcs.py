"""GCSResult: results stored as objects in a Google Cloud Storage bucket, through gcsfs."""

from __future__ import annotations

from typing import Any

from caudal.engine.results.fsspec import FSSpecResult
from caudal.utilities.filesystems import gcs_filesystem

__all__ = ["GCSResult"]


class GCSResult(FSSpecResult):
    """A result stored as an object (blob) in a GCS bucket; ``location`` is the blob name.

    Credentials are found the way Google's libraries find them (``gcloud auth
    application-default login``, ``GOOGLE_APPLICATION_CREDENTIALS``, the metadata server), or
    given as ``storage_options={"token": ...}``. An emulator is reached through the
    ``STORAGE_EMULATOR_HOST`` environment variable or ``endpoint_url``. Needs the ``gcs``
    extra (``pip install caudal[gcs]``).

    Args:
        bucket: the bucket to write to and read from.
        endpoint_url: the GCS API address, for an emulator (``http://127.0.0.1:9023``).
        storage_options: other keyword arguments for ``gcsfs.GCSFileSystem`` (``project``,
            ``token``: a credentials file, ``"anon"``...).
        **kwargs: ``value``, ``location`` and ``serializer``, as for ``Result``.

    Example:
        >>> result = GCSResult(bucket="city-data", location="{flow_name}/{task_name}.pkl")
        >>> result.format(flow_name="etl", task_name="load").location
        'etl/load.pkl'
        >>> result.path("etl/load.pkl")
        'gs://city-data/etl/load.pkl'
    """

    def __init__(self, bucket: str | None = None, endpoint_url: str | None = None,
                 storage_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.bucket = bucket
        options = dict(storage_options or {})
        if endpoint_url is not None:
            options["endpoint_url"] = endpoint_url
        super().__init__(root="gs://", storage_options=options, **kwargs)

    @property
    def root(self) -> str:
        if not self.bucket:
            raise ValueError("GCSResult has no bucket; create it as GCSResult(bucket=...).")
        return f"gs://{self.bucket}"

    def filesystem(self) -> Any:
        return gcs_filesystem(self.storage_options)
