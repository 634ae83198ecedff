"""S3Result: results stored as objects in an S3 (or S3-compatible) bucket, through s3fs."""

from __future__ import annotations

from typing import Any

from caudal.engine.results.fsspec import FSSpecResult
from caudal.utilities.filesystems import s3_filesystem, s3fs_options

__all__ = ["S3Result"]

class S3Result(FSSpecResult):
    """A result stored as an object in an S3 bucket; ``location`` is the object key.

    Credentials are found the way boto3 finds them (environment, ``~/.aws``, instance
    role), or given in ``boto3_kwargs``. Needs the ``s3`` extra (``pip install caudal[s3]``).

    Args:
        bucket: the bucket to write to and read from.
        boto3_kwargs: what you would pass to ``boto3.client("s3", ...)``: ``endpoint_url``
            (MinIO, an emulator), ``region_name``, ``aws_access_key_id``,
            ``aws_secret_access_key``, ``aws_session_token``...
        storage_options: other keyword arguments for ``s3fs.S3FileSystem``.
        **kwargs: ``value``, ``location`` and ``serializer``, as for ``Result``.

    Example:
        >>> result = S3Result(bucket="city-data", boto3_kwargs={"region_name": "sa-east-1"})
        >>> result.path("etl/load.pkl")
        's3://city-data/etl/load.pkl'
        >>> result.storage_options
        {'client_kwargs': {'region_name': 'sa-east-1'}}
    """

    def __init__(self, bucket: str, boto3_kwargs: dict[str, Any] | None = None,
                 storage_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.bucket = bucket
        self.boto3_kwargs = dict(boto3_kwargs or {})
        super().__init__(root="s3://",
                         storage_options=s3fs_options(self.boto3_kwargs, storage_options),
                         **kwargs)

    @property
    def root(self) -> str:
        if not self.bucket:
            raise ValueError("S3Result has no bucket; create it as S3Result(bucket=...).")
        return f"s3://{self.bucket}"

    def filesystem(self) -> Any:
        return s3_filesystem(self.storage_options)
