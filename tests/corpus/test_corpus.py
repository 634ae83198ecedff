"""The city-pipelines corpus: `caudal migrate` moves it, and its flows run as under Prefect 0.15.9.

`pipelines/` is written against `prefect` the way city data offices write theirs (agency
sub-packages, a custom Flow, deep-copied template flows, many-clock schedules). The HTTP APIs
and databases they read are local stand-ins started here: an http.server and a SQLite file.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus_support import (
    PIPELINES,
    migrated_copy,
    prefect_python,
    run_caudal_migrate,
    run_corpus,
    serve_stand_in_api,
)


@pytest.fixture
def api_url() -> Iterator[str]:
    with serve_stand_in_api() as url:
        yield url


def test_migrate_check_reports_the_original(tmp_path: Path) -> None:
    copy = tmp_path / "pipelines"
    shutil.copytree(PIPELINES, copy)

    before = run_caudal_migrate(copy, "--check")
    assert before.returncode == 1, before.stdout + before.stderr
    assert "flows.py" in before.stdout
    assert "tasks.py" in before.stdout

    written = run_caudal_migrate(copy)
    assert written.returncode == 0, written.stdout + written.stderr
    assert "import prefect" not in (copy / "utils" / "custom.py").read_text()

    after = run_caudal_migrate(copy, "--check")
    assert after.returncode == 0, after.stdout + after.stderr


@pytest.mark.compat
@pytest.mark.timeout(600)
def test_corpus_flows_match_prefect(tmp_path: Path, api_url: str) -> None:
    python = prefect_python()
    original = tmp_path / "original"
    migrated = tmp_path / "migrated"
    shutil.copytree(PIPELINES, original / "pipelines")
    migrated_copy(migrated)

    expected = run_corpus(python, original, tmp_path / "prefect-run", api_url)
    actual = run_corpus(sys.executable, migrated, tmp_path / "caudal-run", api_url)

    assert actual["files"] == expected["files"]
    for want, got in zip(expected["runs"], actual["runs"], strict=True):
        assert got == want, f"{want['flow']} ({want['name']}) differs"
