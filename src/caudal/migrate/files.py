"""Which files under a tree ``caudal migrate`` reads, and what kind each one is."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["FileKind", "SKIPPED_FOLDERS", "classify", "walk"]

SKIPPED_FOLDERS = frozenset({".git", ".venv", "venv", "__pycache__", "node_modules"})
"""Folders never entered (besides any folder holding a ``pyvenv.cfg``: a virtualenv)."""


class FileKind(enum.Enum):
    """What the migration does with a file."""

    PYTHON = "python"
    """Rewritten with LibCST: ``prefect`` imports become ``caudal`` ones."""
    SETTINGS = "settings"
    """TOML, ``.env`` and Docker files: ``PREFECT__`` variables become ``CAUDAL__`` ones."""
    CI = "ci"
    """CI files: never rewritten; lines running a ``prefect`` command are reported."""


def classify(relative: Path) -> FileKind | None:
    """The kind of the file at ``relative`` (a path inside the tree), or None to skip it."""
    name = relative.name
    if name.endswith(".py"):
        return FileKind.PYTHON
    if (name.endswith((".toml", ".env", ".dockerfile")) or name == "Dockerfile"
            or name.startswith("Dockerfile.")):
        return FileKind.SETTINGS
    in_workflows = relative.parent.name == "workflows" and relative.parent.parent.name == ".github"
    if ((in_workflows and name.endswith((".yml", ".yaml")))
            or name in {".gitlab-ci.yml", "Jenkinsfile", "Makefile"}):
        return FileKind.CI
    return None


def walk(root: Path) -> Iterator[tuple[Path, FileKind]]:
    """Every file under ``root`` that the migration reads, with its kind, in sorted order.

    ``root`` may also be a single file, which is yielded if it has a kind.
    """
    if root.is_file():
        kind = classify(Path(root.name))
        if kind is not None:
            yield root, kind
        return
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        # Pruned in place so that os.walk never enters them; sorted for a stable report.
        folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS
                            and not (here / name / "pyvenv.cfg").exists())
        for name in sorted(files):
            path = here / name
            kind = classify(path.relative_to(root))
            if kind is not None and path.is_file():
                yield path, kind
