"""FSSpecResult: objects under an fsspec root; locations stay relative to it."""

from __future__ import annotations

import uuid

import pytest

from caudal.engine.results import FSSpecResult
from caudal.engine.serializers import JSONSerializer


@pytest.fixture
def root() -> str:
    return f"memory://caudal-tests/{uuid.uuid4().hex}"


def test_write_read_and_exists_under_the_root(root):
    result = FSSpecResult(root, location="{flow_name}/{task_name}.json",
                          serializer=JSONSerializer())

    written = result.write({"n": 1}, flow_name="etl", task_name="load")

    assert written.location == "etl/load.json"
    assert result.exists("{flow_name}/load.json", flow_name="etl") is True
    assert result.read("etl/load.json").value == {"n": 1}


def test_exists_is_false_for_nothing_stored(root):
    assert FSSpecResult(root).exists("nothing.pkl") is False


def test_read_of_nothing_stored_raises_file_not_found(root):
    with pytest.raises(FileNotFoundError):
        FSSpecResult(root).read("nothing.pkl")


def test_read_of_an_empty_object_gives_none(root):
    result = FSSpecResult(root)
    result.filesystem().pipe_file(result.path("empty.pkl"), b"")

    assert result.read("empty.pkl").value is None
