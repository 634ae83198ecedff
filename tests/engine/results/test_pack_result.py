"""LocalPackResult: a backend run's checkpoints, appended to one file per process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caudal.engine.results import LocalPackResult


def test_values_share_one_pack_and_read_back_in_any_order(tmp_path: Path) -> None:
    result = LocalPackResult(dir=tmp_path)
    written = [result.write({"row": n, "text": "x" * n}) for n in range(50)]

    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".pack"] == \
        [Path(written[0].location.split("@")[0]).name]
    for n in (49, 0, 17):
        assert result.read(written[n].location).value == {"row": n, "text": "x" * n}
    assert all(result.exists(w.location) for w in written)


def test_a_template_location_still_writes_a_file_of_its_own(tmp_path: Path) -> None:
    result = LocalPackResult(dir=tmp_path, location="{task_name}.pkl")

    written = result.write([1, 2], task_name="extract")

    assert written.location == str(tmp_path / "extract.pkl")
    assert result.exists("{task_name}.pkl", task_name="extract")
    assert LocalPackResult(dir=tmp_path).read("extract.pkl").value == [1, 2]


def test_a_forked_process_appends_to_a_pack_of_its_own(tmp_path: Path) -> None:
    result = LocalPackResult(dir=tmp_path)
    before = result.write("parent")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, result.write("child").location.encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    os.close(write)
    child_location = os.read(read, 4096).decode()
    after = result.write("parent again")

    assert child_location.split("@")[0] != before.location.split("@")[0]
    assert after.location.split("@")[0] == before.location.split("@")[0]
    assert [result.read(w).value for w in (before.location, child_location, after.location)] \
        == ["parent", "child", "parent again"]


def test_a_cut_pack_or_a_missing_one_is_an_error_not_a_wrong_value(tmp_path: Path) -> None:
    result = LocalPackResult(dir=tmp_path)
    location = result.write("a value long enough to cut").location
    pack = location.split("@")[0]
    os.truncate(pack, os.path.getsize(pack) - 3)

    assert not result.exists(location)
    with pytest.raises(ValueError, match="is cut"):
        result.read(location)
    os.remove(pack)
    with pytest.raises(FileNotFoundError):
        result.read(location)
