"""The object-store file systems that results and flow storage share (S3 and GCS, via fsspec).

Both take options the way pipelines already write them (boto3's client arguments for S3, an
emulator address for GCS) and need the same translation into s3fs and gcsfs arguments.
"""

from __future__ import annotations

from typing import Any

__all__ = ["gcs_filesystem", "s3_filesystem", "s3fs_options"]

# boto3 client arguments that s3fs takes under its own names; the rest go to the client.
_S3_CREDENTIALS = {
    "aws_access_key_id": "key",
    "aws_secret_access_key": "secret",
    "aws_session_token": "token",
}


def s3fs_options(boto3_options: dict[str, Any] | None,
                 storage_options: dict[str, Any] | None) -> dict[str, Any]:
    """``s3fs.S3FileSystem`` arguments from boto3-style client options plus s3fs's own.

    Example:
        >>> s3fs_options({"endpoint_url": "http://127.0.0.1:9000", "aws_access_key_id": "k"}, {})
        {'key': 'k', 'client_kwargs': {'endpoint_url': 'http://127.0.0.1:9000'}}
    """
    options = dict(storage_options or {})
    client_kwargs = dict(options.pop("client_kwargs", None) or {})
    for name, value in (boto3_options or {}).items():
        if name in _S3_CREDENTIALS:
            options[_S3_CREDENTIALS[name]] = value
        else:
            client_kwargs[name] = value
    if client_kwargs:
        options["client_kwargs"] = client_kwargs
    return options


def s3_filesystem(options: dict[str, Any]) -> Any:
    """An ``s3fs.S3FileSystem`` (the ``s3`` extra)."""
    from s3fs import S3FileSystem

    return S3FileSystem(**options)


def gcs_filesystem(options: dict[str, Any]) -> Any:
    """A gcsfs file system over the GCS JSON API (the ``gcs`` extra).

    ``gcsfs.core.GCSFileSystem`` directly: it speaks the JSON API only. gcsfs's default class
    first asks the gRPC control plane for the bucket's layout, which an emulator (and a bucket
    without that permission) answers only after a minute of retries.
    """
    from gcsfs.core import GCSFileSystem

    return GCSFileSystem(**options)
