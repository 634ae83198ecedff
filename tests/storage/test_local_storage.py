"""Local: the default folder under CAUDAL_HOME, host-name labels, and missing files."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from flowfiles import DOUBLE, write

import caudal
from caudal.configuration import load_config
from caudal.exceptions import FlowStorageError
from caudal.storage import Local, extract_flow


def test_default_directory_is_flows_under_the_configured_home(tmp_path: Path):
    with caudal.context(config=load_config({"CAUDAL_HOME": str(tmp_path / "home")})):
        storage = Local()

    assert storage.directory == str(tmp_path / "home" / "flows")
    assert Path(storage.directory).is_dir()


def test_add_flow_writes_pickle_and_source_under_the_flow_slug(tmp_path: Path):
    storage = Local(directory=str(tmp_path))
    flow = extract_flow(write(tmp_path / "src", "double_flow.py", DOUBLE))

    location = Path(storage.add_flow(flow))

    assert location.parent == tmp_path / "double"
    assert location.suffix == ".pkl" and location.is_file()
    assert location.with_suffix(".py").read_text() == DOUBLE


def test_labels_include_the_host_name_unless_turned_off(tmp_path: Path):
    assert Local(directory=str(tmp_path), labels=["etl"]).labels == sorted(
        ["etl", socket.gethostname()])
    assert Local(directory=str(tmp_path), labels=["etl"], add_default_labels=False).labels == [
        "etl"]


def test_get_flow_whose_file_was_deleted_raises_flow_storage_error(tmp_path: Path):
    storage = Local(directory=str(tmp_path))
    location = storage.add_flow(extract_flow(write(tmp_path / "src", "d.py", DOUBLE)))
    Path(location).unlink()

    with pytest.raises(FlowStorageError, match="no longer exists.*register the flow again"):
        storage.get_flow("double")


def test_serialize_is_json_safe_and_names_type_and_location(tmp_path: Path):
    import json

    storage = Local(directory=str(tmp_path), add_default_labels=False)
    location = storage.add_flow(extract_flow(write(tmp_path / "src", "d.py", DOUBLE)))

    described = json.loads(json.dumps(storage.serialize()))

    assert described["type"] == "Local"
    assert described["directory"] == str(tmp_path)
    assert described["flows"] == {"double": location}


def test_flow_serialize_with_build_stores_the_flow_and_describes_its_storage(tmp_path: Path):
    flow = extract_flow(write(tmp_path / "src", "d.py", DOUBLE))
    flow.storage = Local(directory=str(tmp_path / "flows"), add_default_labels=False)

    described = flow.serialize(build=True)["storage"]

    assert described["type"] == "Local"
    assert Path(described["flows"]["double"]).is_file()
    assert described["flow_sources"] == {"double": DOUBLE}


def test_removed_flow_can_be_added_again(tmp_path) -> None:
    from caudal import Flow
    from caudal.storage import Local

    storage = Local(directory=str(tmp_path))
    flow = Flow("etl")
    first = storage.add_flow(flow)
    storage.remove_flow("etl")
    storage.remove_flow("never-added")  # nothing to forget: no error

    assert "etl" not in storage
    second = storage.add_flow(flow)
    assert "etl" in storage and second != first
