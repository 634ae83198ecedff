"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures_kubernetes import kube_api
from fixtures_notifications import slack_webhook, smtp_server, smtp_ssl_server
from fixtures_server import (
    api,
    auth_served,
    database_url,
    db,
    empty_database_url,
    migrated_databases,
    served,
    server_process,
    server_settings,
    server_url,
)
from fixtures_storage import gcs_bucket, gcs_server, s3_bucket, s3_server

# Shared with every test module: real local S3 and GCS stand-ins (tests/fixtures_storage.py),
# a Kubernetes API stand-in (tests/fixtures_kubernetes.py), a Slack webhook and SMTP servers
# (tests/fixtures_notifications.py), and the real server on SQLite and
# PostgreSQL (tests/fixtures_server.py).
__all__ = ["api", "auth_served", "database_url", "db", "empty_database_url", "gcs_bucket",
           "gcs_server", "kube_api",
           "migrated_databases", "s3_bucket", "s3_server", "served", "server_process",
           "server_settings", "server_url", "slack_webhook", "smtp_server", "smtp_ssl_server"]


@pytest.fixture(autouse=True)
def clean_environ(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Give each test a temporary CAUDAL_HOME and restore ``os.environ`` after it.

    Tests may change the environment freely, without mocking ``os.environ``; subprocesses
    they start never read the developer's own ``~/.caudal``.
    """
    saved = os.environ.copy()
    home: Path = tmp_path_factory.mktemp("caudal_home")
    os.environ["CAUDAL_HOME"] = str(home)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def no_cached_states() -> Iterator[None]:
    """Start and end each test without cached task states from other tests.

    ``flow.run()`` keeps Cached states in ``caudal.context.caches`` for the rest of the
    process, as Prefect does; a test that reuses a task name must not find another's cache.
    """
    import caudal

    caudal.context.pop("caches", None)
    yield
    caudal.context.pop("caches", None)
