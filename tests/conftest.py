"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


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
