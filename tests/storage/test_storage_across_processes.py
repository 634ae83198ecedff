"""A flow stored by one process is loaded and run by another, from the storage location alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flowfiles import DOUBLE, HELPERS, write

from caudal.exceptions import FlowStorageError
from caudal.storage import GCS, S3, Local, Storage, extract_flow

# A flow whose task uses a module next to it: the module is pickled by reference.
USES_HELPER = DOUBLE.replace("from caudal import", "import caudal_only_here\nfrom caudal import"
                             ).replace("2 * x", "caudal_only_here.VALUE * 2 * x")

# Run in a fresh interpreter: rebuild the storage from its JSON description, load, run.
LOADER = textwrap.dedent("""
    import json, sys
    from caudal.storage import Storage
    storage = Storage.from_serialized(json.loads(sys.argv[1]))
    flow = storage.get_flow("double")
    state = flow.run(parameters={"x": 8})
    print(state.result[flow.get_tasks(name="double")[0]].result)
""")


def load_elsewhere(description: dict, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run LOADER in a new process, in a folder where the flow's file does not exist."""
    return subprocess.run([sys.executable, "-c", LOADER, json.dumps(description)],
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=dict(os.environ))


@pytest.fixture
def stored_elsewhere(tmp_path: Path) -> Path:
    """The flow file, written to a folder the loading process never sees."""
    return write(tmp_path / "author", "double_flow.py", DOUBLE)


def test_local_flow_stored_here_runs_in_another_process(tmp_path: Path, stored_elsewhere: Path):
    storage = Local(directory=str(tmp_path / "flows"))
    storage.add_flow(extract_flow(stored_elsewhere))
    stored_elsewhere.unlink()  # the pickle alone must be enough

    done = load_elsewhere(storage.build().serialize(), tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "16"


def test_s3_flow_stored_here_runs_in_another_process(tmp_path: Path, stored_elsewhere: Path,
                                                     s3_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    storage = S3(s3_bucket.name, client_options=s3_bucket.client_kwargs)
    storage.add_flow(extract_flow(stored_elsewhere))

    described = storage.build().serialize()
    done = load_elsewhere(described, tmp_path)

    assert "aws_secret_access_key" not in json.dumps(described)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "16"


def test_gcs_script_flow_stored_here_runs_in_another_process(tmp_path: Path,
                                                            stored_elsewhere: Path,
                                                            gcs_bucket):
    storage = GCS(gcs_bucket.name, stored_as_script=True, local_script_path=str(stored_elsewhere),
                  endpoint_url=gcs_bucket.endpoint_url, storage_options={"token": "anon"})
    storage.add_flow(extract_flow(stored_elsewhere))
    storage.build()
    stored_elsewhere.unlink()

    done = load_elsewhere(storage.serialize(), tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "16"


def test_flow_whose_helper_module_is_missing_elsewhere_raises_saying_what_to_do(
        tmp_path: Path):
    write(tmp_path / "author", "caudal_only_here.py", HELPERS)
    script = write(tmp_path / "author", "uses_helper.py", USES_HELPER)
    storage = Local(directory=str(tmp_path / "flows"))
    storage.add_flow(extract_flow(script))
    sys.modules.pop("caudal_only_here", None)

    done = load_elsewhere(storage.serialize(), tmp_path)

    assert done.returncode != 0
    assert "FlowStorageError" in done.stderr
    assert "Install the package that provides module 'caudal_only_here'" in done.stderr
    assert "stored_as_script=True" in done.stderr
    with pytest.raises(FlowStorageError, match="caudal_only_here"):
        Storage.from_serialized(storage.serialize()).get_flow("double")
