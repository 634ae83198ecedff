"""extract_flows: every Flow in a file, a folder or a package module; clear errors for broken files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flowfiles import DOUBLE, GREET, HELPERS, run_result, write

from caudal.exceptions import FlowStorageError
from caudal.storage import extract_flow, extract_flows, extract_flows_from_script


@pytest.fixture
def clean_modules() -> Iterator[None]:
    """Forget the test packages imported during the test, and restore sys.path."""
    before, path = set(sys.modules), list(sys.path)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
    sys.path[:] = path


def test_file_with_one_flow_gives_that_flow(tmp_path: Path):
    flows = extract_flows(write(tmp_path, "double_flow.py", DOUBLE))

    assert [f.name for f in flows] == ["double"]
    assert run_result(flows[0], "double") == 42


def test_file_imports_its_sibling_modules(tmp_path: Path, clean_modules: None):
    write(tmp_path, "helpers_for_flow.py", HELPERS)
    path = write(tmp_path, "uses_helper.py", "from helpers_for_flow import VALUE\n" + DOUBLE)

    assert [f.name for f in extract_flows(path)] == ["double"]


def test_folder_gives_flows_of_every_file_recursively_skipping_files_without_flows(
        tmp_path: Path):
    write(tmp_path, "a/double_flow.py", DOUBLE)
    write(tmp_path, "b/deeper/greet_flow.py", GREET)
    write(tmp_path, "b/no_flow_here.py", HELPERS)

    assert [f.name for f in extract_flows(tmp_path)] == ["double", "greet"]


def test_package_module_with_star_imports_gives_every_agency_flow(tmp_path: Path,
                                                                   clean_modules: None):
    write(tmp_path, "pipelines_x/__init__.py", "")
    write(tmp_path, "pipelines_x/agency_a/__init__.py", "")
    write(tmp_path, "pipelines_x/agency_a/flows.py", DOUBLE)
    write(tmp_path, "pipelines_x/agency_b/__init__.py", "")
    write(tmp_path, "pipelines_x/agency_b/flows.py", GREET)
    write(tmp_path, "pipelines_x/flows.py",
          "from pipelines_x.agency_a.flows import *\nfrom pipelines_x.agency_b.flows import *\n")
    sys.path.insert(0, str(tmp_path))

    flows = extract_flows("pipelines_x.flows")

    assert sorted(f.name for f in flows) == ["double", "greet"]
    assert extract_flow("pipelines_x.flows", "greet").name == "greet"


def test_folder_of_a_package_imports_each_file_once_and_lists_each_flow_once(
        tmp_path: Path, clean_modules: None):
    write(tmp_path, "pipelines_y/__init__.py", "")
    write(tmp_path, "pipelines_y/agency/__init__.py", "")
    write(tmp_path, "pipelines_y/agency/flows.py", DOUBLE)
    write(tmp_path, "pipelines_y/agency/tasks.py", "from .flows import double\n")
    write(tmp_path, "pipelines_y/flows.py", "from pipelines_y.agency.flows import *\n")

    flows = extract_flows(tmp_path / "pipelines_y")

    assert [f.name for f in flows] == ["double"]


def test_file_with_syntax_error_raises_naming_the_file_with_its_traceback(tmp_path: Path):
    path = write(tmp_path, "broken_syntax.py", DOUBLE + "\nwith Flow('x') as\n")

    with pytest.raises(FlowStorageError) as excinfo:
        extract_flows(path)

    message = str(excinfo.value)
    assert f"'{path}'" in message
    assert "SyntaxError" in message
    assert excinfo.value.path == str(path)
    assert "Traceback" in excinfo.value.traceback and "SyntaxError" in excinfo.value.traceback


def test_file_with_import_error_raises_naming_the_file_with_its_traceback(tmp_path: Path):
    path = write(tmp_path, "broken_import.py", "import caudal_no_such_package\n" + DOUBLE)

    with pytest.raises(FlowStorageError) as excinfo:
        extract_flows(path)

    message = str(excinfo.value)
    assert f"'{path}'" in message
    assert "ModuleNotFoundError: No module named 'caudal_no_such_package'" in message
    assert "Traceback (most recent call last)" in message
    assert str(path) in excinfo.value.traceback


def test_broken_file_in_a_folder_raises_naming_that_file(tmp_path: Path):
    write(tmp_path, "a_good.py", DOUBLE)
    bad = write(tmp_path, "b_bad.py", "raise RuntimeError('boom at import')\n")

    with pytest.raises(FlowStorageError, match="boom at import") as excinfo:
        extract_flows(tmp_path)

    assert excinfo.value.path == str(bad)


def test_unknown_module_raises_flow_storage_error_naming_it(clean_modules: None):
    with pytest.raises(FlowStorageError, match="caudal_no_such_pipelines"):
        extract_flows("caudal_no_such_pipelines.flows")


def test_missing_file_raises_flow_storage_error(tmp_path: Path):
    with pytest.raises(FlowStorageError, match="does not exist"):
        extract_flows(tmp_path / "nowhere.py")


def test_extract_flow_without_name_among_several_raises_listing_them():
    script = DOUBLE + GREET.replace("from caudal import Flow, task\n", "")

    flows = extract_flows_from_script(script, "two.py")
    assert [f.name for f in flows] == ["double", "greet"]
    with pytest.raises(FlowStorageError, match="several flows .*'double', 'greet'"):
        from caudal.storage.extract import pick_flow

        pick_flow(flows, None, "two.py")
