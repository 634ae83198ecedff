"""The docs in the repository stand alone and stay true: links and named paths exist in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "caudal"
DOCS = ["README.md", "ARCHITECTURE.md"]

LINK = re.compile(r"\]\(([^)\s]+)\)")
# A code span that names a file or folder: `server/writes.py`, `tests/cli/`, `cli/__init__.py`.
NAMED_PATH = re.compile(r"`([\w./-]+(?:\.py|\.md|/))`")


@pytest.mark.parametrize("doc", DOCS)
def test_relative_links_point_to_files_in_the_repository(doc):
    text = (ROOT / doc).read_text()

    broken = []
    for target in LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        path = (ROOT / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("doc", DOCS)
def test_docs_send_no_reader_outside_the_repository(doc):
    text = (ROOT / doc).read_text()

    assert "../" not in text
    assert not re.search(r"\bissues?\s+#?\d", text, re.I)  # the tracker is not the product


def test_every_path_architecture_names_exists():
    text = (ROOT / "ARCHITECTURE.md").read_text()

    # Places kept for what is not written yet (the agents, the run process's runners, the UI).
    planned = {"agent/", "engine/cloud/", "server/ui/"}
    missing = [name for name in sorted(set(NAMED_PATH.findall(text)) - planned)
               if not (ROOT / name).exists() and not (PACKAGE / name).exists()]
    assert missing == []


def test_every_test_architecture_names_exists():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    defined = {name for path in (ROOT / "tests").rglob("test_*.py")
               for name in re.findall(r"^(?:async )?def (test_\w+)", path.read_text(), re.M)}

    assert sorted(set(re.findall(r"`(test_\w+)`", text)) - defined) == []
