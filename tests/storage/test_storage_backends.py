"""One suite for every backend: add_flow → build → get_flow → run, scripts, sources, descriptions.

Runs on Local (a temp folder), FSSpec on ``memory://``, S3 on moto and GCS on
gcp-storage-emulator, as huey's StorageTests run on each of its storages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flowfiles import DOUBLE, run_result, write

from caudal.exceptions import FlowStorageError
from caudal.storage import GCS, S3, FSSpec, Local, Storage, extract_flow

MakeStorage = Callable[..., Storage]


@pytest.fixture(params=["local", "memory", "s3", "gcs"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStorage:
    """A factory for a fresh storage of each backend; keyword arguments go to its constructor."""
    if request.param == "local":
        return lambda **kw: Local(directory=str(tmp_path / "flows"), **kw)
    if request.param == "memory":
        url = f"memory://caudal-tests/{uuid.uuid4().hex}"
        return lambda **kw: FSSpec(url, **kw)
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        # A description carries no credentials: a rebuilt S3 storage finds them as boto3 does.
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        return lambda **kw: S3(bucket.name, client_options=bucket.client_kwargs, **kw)
    bucket = request.getfixturevalue("gcs_bucket")
    return lambda **kw: GCS(bucket.name, project="caudal-test", endpoint_url=bucket.endpoint_url,
                            storage_options={"token": "anon"}, **kw)


@pytest.fixture
def double_file(tmp_path: Path) -> Path:
    return write(tmp_path / "src", "double_flow.py", DOUBLE)


def test_round_trip_rebuilds_a_flow_that_runs(make_storage: MakeStorage, double_file: Path):
    flow = extract_flow(double_file)
    storage = make_storage()

    location = storage.add_flow(flow)
    built = storage.build()
    loaded = built.get_flow("double")

    assert storage.flows == {"double": location}
    assert loaded is not flow
    assert run_result(loaded, "double") == 42
    assert run_result(loaded, "double", x=5) == 10


def test_round_trip_keeps_the_flow_source_for_the_ui(make_storage: MakeStorage,
                                                     double_file: Path):
    storage = make_storage()
    storage.add_flow(extract_flow(double_file))
    storage.build()

    described = storage.serialize()
    fresh = Storage.from_serialized(described)
    fresh.flow_sources.clear()  # read it back from the storage itself, not the description

    assert described["flow_sources"] == {"double": DOUBLE}
    assert fresh.get_flow_source("double") == DOUBLE


def test_stored_as_script_rebuilds_the_flow_from_its_file(make_storage: MakeStorage,
                                                          double_file: Path):
    flow = extract_flow(double_file)
    kwargs = ({"path": str(double_file)} if isinstance(make_storage(), Local)
              else {"local_script_path": str(double_file)})
    storage = make_storage(stored_as_script=True, **kwargs)

    storage.add_flow(flow)
    loaded = storage.build().get_flow("double")

    assert storage.serialize()["stored_as_script"] is True
    assert run_result(loaded, "double") == 42
    assert storage.get_flow_source("double") == DOUBLE


def test_description_rebuilds_the_storage_and_its_flow(make_storage: MakeStorage,
                                                       double_file: Path):
    storage = make_storage()
    storage.add_flow(extract_flow(double_file))
    storage.build()

    described = storage.serialize()
    fresh = Storage.from_serialized(described)

    assert described["type"] == type(storage).__name__
    assert fresh.flows == storage.flows
    assert run_result(fresh.get_flow("double"), "double") == 42


def test_get_flow_of_unknown_name_raises_flow_storage_error(make_storage: MakeStorage):
    with pytest.raises(FlowStorageError, match="Flow 'missing' is not in this"):
        make_storage().get_flow("missing")


def test_add_flow_twice_with_one_name_raises_value_error(make_storage: MakeStorage,
                                                        double_file: Path):
    storage = make_storage()
    storage.add_flow(extract_flow(double_file))

    with pytest.raises(ValueError, match="'double' is already in this storage"):
        storage.add_flow(extract_flow(double_file))
