"""Real local stand-ins for S3 and GCS, started on 127.0.0.1 by the tests that need them.

``s3_server`` is moto in server mode and ``gcs_server`` is gcp-storage-emulator, each in a
thread for the whole session, on a free port. ``s3_bucket`` and ``gcs_bucket`` give each test
a bucket of its own, with what a client needs to reach it. No mocks: gcsfs, s3fs and boto3
speak HTTP to these servers as they would to the real services.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# Any key pair works with moto; giving one keeps boto3 from looking for the developer's own.
S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                  "region_name": "us-east-1"}
GCS_PROJECT = "caudal-test"


@dataclass(frozen=True)
class Bucket:
    """A bucket on a local stand-in, and the client arguments that reach it."""

    name: str
    endpoint_url: str
    client_kwargs: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 API on 127.0.0.1 for the session; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str) -> Bucket:
    """A new, empty S3 bucket on the moto server; ``client_kwargs`` are boto3 client args."""
    import boto3

    name = f"caudal-{uuid.uuid4().hex[:12]}"
    kwargs = {"endpoint_url": s3_server, **S3_CREDENTIALS}
    boto3.client("s3", **kwargs).create_bucket(Bucket=name)
    return Bucket(name=name, endpoint_url=s3_server, client_kwargs=kwargs)


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[str]:
    """gcp-storage-emulator's JSON API on 127.0.0.1 for the session; yields its URL."""
    from gcp_storage_emulator.server import create_server

    logging.getLogger("gcp_storage_emulator").setLevel(logging.WARNING)
    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcs_bucket(gcs_server: str) -> Bucket:
    """A new, empty GCS bucket on the emulator; ``client_kwargs`` are gcsfs arguments."""
    from gcsfs.core import GCSFileSystem

    name = f"caudal-{uuid.uuid4().hex[:12]}"
    kwargs = {"endpoint_url": gcs_server, "token": "anon", "project": GCS_PROJECT}
    GCSFileSystem(**kwargs).mkdir(name)
    return Bucket(name=name, endpoint_url=gcs_server, client_kwargs=kwargs)
