"""Which files caudal migrate reads, and which folders it never enters."""

from __future__ import annotations

from pathlib import Path

import pytest

from caudal.migrate.files import FileKind, classify, walk


@pytest.mark.parametrize(("name", "kind"), [
    ("flows/etl.py", FileKind.PYTHON),
    ("pyproject.toml", FileKind.SETTINGS),
    (".env", FileKind.SETTINGS),
    ("deploy/prod.env", FileKind.SETTINGS),
    ("Dockerfile", FileKind.SETTINGS),
    ("docker/Dockerfile.agent", FileKind.SETTINGS),
    ("agent.dockerfile", FileKind.SETTINGS),
    (".github/workflows/deploy.yml", FileKind.CI),
    (".github/workflows/nightly.yaml", FileKind.CI),
    (".gitlab-ci.yml", FileKind.CI),
    ("Jenkinsfile", FileKind.CI),
    ("Makefile", FileKind.CI),
    ("docs/config.yml", None),
    ("README.md", None),
])
def test_classify(name, kind):
    assert classify(Path(name)) is kind


def test_walk_skips_git_virtualenvs_caches_and_node_modules(tmp_path):
    for name in ["a.py", "pkg/b.py", ".git/c.py", ".venv/d.py", "venv/e.py", "pkg/__pycache__/f.py",
                 "node_modules/g.py", "myenv/pyvenv.cfg", "myenv/h.py", ".github/workflows/x.yml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")

    found = sorted(path.relative_to(tmp_path).as_posix() for path, _ in walk(tmp_path))

    assert found == [".github/workflows/x.yml", "a.py", "pkg/b.py"]
