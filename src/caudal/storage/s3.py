"""S3: flows kept as objects in an S3 (or S3-compatible) bucket, through s3fs."""

from __future__ import annotations

from typing import Any

from caudal.storage.base import public_options
from caudal.storage.fsspec import FSSpec
from caudal.utilities.filesystems import s3_filesystem, s3fs_options

__all__ = ["S3"]

class S3(FSSpec):
    """Flows kept in an S3 bucket: a pickle per flow, or its script; uploaded by ``build()``.

    Credentials are found the way boto3 finds them (environment, ``~/.aws``, instance role),
    or given in ``client_options``. Needs the ``s3`` extra (``pip install caudal[s3]``).

    Args:
        bucket: the bucket that holds the flows.
        key: the object key for the flow; by default ``<flow-slug>/<timestamp>.pkl`` (``.py``
            for scripts).
        stored_as_script: keep the flow's ``.py`` file and rebuild the flow by running it.
        local_script_path: the script to upload with ``stored_as_script``.
        client_options: what you would pass to ``boto3.client("s3", ...)``: ``endpoint_url``
            (MinIO, an emulator), ``region_name``, ``aws_access_key_id``... Credentials are
            not included in ``serialize()``.
        upload_options: extra arguments for each ``PutObject`` (``ACL``,
            ``ServerSideEncryption``...).
        storage_options: other keyword arguments for ``s3fs.S3FileSystem``.
        **kwargs: ``labels``, ``add_default_labels``, ``secrets``, as for ``Storage``.

    Example:
        >>> storage = S3("city-pipelines", client_options={"region_name": "sa-east-1"})
        >>> storage.url_of("iptu/2024.pkl")
        's3://city-pipelines/iptu/2024.pkl'
        >>> storage.storage_options
        {'client_kwargs': {'region_name': 'sa-east-1'}}
    """

    def __init__(self, bucket: str, key: str | None = None, stored_as_script: bool = False,
                 local_script_path: str | None = None, client_options: dict[str, Any] | None = None,
                 upload_options: dict[str, Any] | None = None, *,
                 storage_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket: S3('my-bucket').")
        self.client_options = dict(client_options or {})
        self.upload_options = dict(upload_options or {})
        options = s3fs_options(self.client_options, storage_options)
        super().__init__(f"s3://{bucket}", key=key, stored_as_script=stored_as_script,
                         local_script_path=local_script_path, storage_options=options,
                         **kwargs)
        self.bucket = bucket

    def filesystem(self) -> Any:
        return s3_filesystem(self.storage_options)

    def _upload_options(self) -> dict[str, Any]:
        return dict(self.upload_options)

    def _settings(self) -> dict[str, Any]:
        options = public_options(self.storage_options)
        options.pop("client_kwargs", None)
        return {"bucket": self.bucket, "key": self.key,
                "client_options": public_options(self.client_options),
                "upload_options": dict(self.upload_options), "storage_options": options}
