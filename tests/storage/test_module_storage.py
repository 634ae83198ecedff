"""Module: flows found by importing a package module that star-imports each agency's flows."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flowfiles import DOUBLE, GREET, run_result, write

from caudal.exceptions import FlowStorageError
from caudal.storage import Module, Storage, extract_flows


@pytest.fixture
def pipelines(tmp_path: Path) -> Iterator[str]:
    """An importable ``pipelines_m`` package whose ``flows`` module gathers two agencies."""
    before, path = set(sys.modules), list(sys.path)
    write(tmp_path, "pipelines_m/__init__.py", "")
    write(tmp_path, "pipelines_m/agency_a/__init__.py", "")
    write(tmp_path, "pipelines_m/agency_a/flows.py", DOUBLE)
    write(tmp_path, "pipelines_m/agency_b/__init__.py", "")
    write(tmp_path, "pipelines_m/agency_b/flows.py", GREET)
    write(tmp_path, "pipelines_m/flows.py",
          "from pipelines_m.agency_a.flows import *\nfrom pipelines_m.agency_b.flows import *\n")
    sys.path.insert(0, str(tmp_path))
    yield "pipelines_m.flows"
    for name in set(sys.modules) - before:
        del sys.modules[name]
    sys.path[:] = path


def test_module_storage_gets_each_flow_by_name(pipelines: str):
    storage = Module(pipelines)
    for flow in extract_flows(pipelines):
        storage.add_flow(flow)

    fresh = Storage.from_serialized(storage.serialize())

    assert fresh.flows == {"double": pipelines, "greet": pipelines}
    assert run_result(fresh.get_flow("greet"), "greet") == "hello"
    assert run_result(fresh.get_flow("double"), "double") == 42


def test_module_storage_keeps_the_defining_file_as_source(pipelines: str):
    storage = Module(pipelines)
    for flow in extract_flows(pipelines):
        storage.add_flow(flow)

    assert storage.get_flow_source("double") == DOUBLE
    assert storage.get_flow_source("greet") == GREET


def test_module_storage_whose_module_is_gone_raises_flow_storage_error():
    storage = Module("caudal_no_such_pipelines.flows")
    storage.flows["double"] = storage.module

    with pytest.raises(FlowStorageError, match="caudal_no_such_pipelines"):
        storage.get_flow("double")
