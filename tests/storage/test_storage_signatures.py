"""Every storage class takes Prefect 0.15.9's arguments, in its order, with its defaults: read
from the reference library (CAUDAL_COMPAT_PYTHON, set by `make test`)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess

import pytest

import caudal.storage

NAMES = ["Azure", "Bitbucket", "CodeCommit", "Docker", "GCS", "Git", "GitHub", "GitLab",
         "Local", "Module", "S3", "Webhook"]

# Prints {class name: [[parameter, kind, repr of default or null], ...]} for prefect.storage.
DUMP = """
import inspect, json, prefect.storage as storage
names = %r
def describe(cls):
    out = []
    for p in inspect.signature(cls).parameters.values():
        default = None if p.default is p.empty else repr(p.default)
        out.append([p.name, p.kind.name, default])
    return out
print(json.dumps({n: describe(getattr(storage, n)) for n in names}))
"""


def describe(cls: type) -> list[list]:
    described = []
    for p in inspect.signature(cls).parameters.values():
        if p.kind is p.KEYWORD_ONLY:
            continue  # caudal's own additions (GCS's endpoint_url...), after Prefect's
        default = None if p.default is p.empty else repr(p.default)
        described.append([p.name, p.kind.name, default])
    return described


@pytest.fixture(scope="module")
def prefect_signatures() -> dict[str, list]:
    python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not python:
        pytest.skip("CAUDAL_COMPAT_PYTHON is not set; run `make test` to build the Prefect "
                    "0.15.9 reference venv and compare against it.")
    done = subprocess.run([python, "-c", DUMP % NAMES], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", NAMES)
def test_storage_takes_prefects_arguments(prefect_signatures: dict[str, list], name: str):
    assert describe(getattr(caudal.storage, name)) == prefect_signatures[name]


def test_every_storage_prefect_has_is_importable_at_its_path():
    import importlib

    for name in NAMES:
        module = importlib.import_module(f"caudal.storage.{name.lower()}")
        assert getattr(module, name) is getattr(caudal.storage, name)
