"""LocalResult: files under a directory, written whole, read back with the serializer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import caudal
from caudal.configuration import load_config
from caudal.engine.results import LocalResult
from caudal.engine.serializers import JSONSerializer


def test_write_fills_the_template_and_returns_the_absolute_path(tmp_path):
    result = LocalResult(dir=tmp_path, location="{flow_name}/{task_name}.pkl")

    written = result.write({"a": 1}, flow_name="etl", task_name="load")

    assert written.location == str(tmp_path / "etl" / "load.pkl")
    assert written.value == {"a": 1}
    assert result.location == "{flow_name}/{task_name}.pkl"


def test_read_uses_the_serializer(tmp_path):
    (tmp_path / "x.json").write_text('{"rows": 3}')

    read = LocalResult(dir=tmp_path, serializer=JSONSerializer()).read("x.json")

    assert read.value == {"rows": 3} and read.location == "x.json"


def test_read_of_an_absolute_location_ignores_dir(tmp_path):
    written = LocalResult(dir=tmp_path / "a").write(7, task_name="t")

    assert LocalResult(dir=tmp_path / "b").read(written.location).value == 7


def test_exists_formats_the_location_first(tmp_path):
    result = LocalResult(dir=tmp_path)
    (tmp_path / "load-3.pkl").write_bytes(b"")

    assert result.exists("{task_name}-{n}.pkl", task_name="load", n=3) is True
    assert result.exists("{task_name}-{n}.pkl", task_name="load", n=4) is False


def test_read_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        LocalResult(dir=tmp_path).read("nothing.pkl")


def test_relative_dir_is_made_absolute_and_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = LocalResult(dir="results/here")

    assert result.dir == str(tmp_path / "results" / "here")
    assert os.path.isdir(result.dir)


def test_validate_dir_false_keeps_dir_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    result = LocalResult(dir="not/made", validate_dir=False)

    assert result.dir == "not/made" and not Path("not/made").exists()


def test_default_dir_is_results_under_caudal_home(tmp_path):
    home = tmp_path / "home"
    with caudal.context(config=load_config({"CAUDAL_HOME": str(home)})):
        result = LocalResult()

    assert result.dir == str(home / "results") and os.path.isdir(result.dir)


def test_write_without_location_picks_a_new_file_in_dir(tmp_path):
    result = LocalResult(dir=tmp_path)

    first, second = result.write(1), result.write(2)

    assert first.location != second.location
    assert os.path.dirname(first.location) == str(tmp_path)


def test_write_leaves_no_partial_file_when_serializing_fails(tmp_path):
    with pytest.raises(TypeError):
        LocalResult(dir=tmp_path, serializer=JSONSerializer(), location="x.json").write({1})

    assert list(tmp_path.iterdir()) == []


def test_write_replaces_an_existing_file_whole(tmp_path):
    result = LocalResult(dir=tmp_path, location="x.pkl")
    result.write("old")

    result.write("new")

    assert result.read("x.pkl").value == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["x.pkl"]
