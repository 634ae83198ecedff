"""Azure storage against Azurite, Microsoft's Azure Storage emulator, on 127.0.0.1: adlfs speaks
the Blob API to it as it would to Azure. Azurite is an npm package (``npm install azurite``);
``CAUDAL_TEST_AZURITE`` names its ``azurite-blob`` command when it is not on ``PATH`` or in
``.tools/node_modules/.bin``. A missing Azurite fails these tests; it never skips them."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from flowfiles import DOUBLE, run_result, write

import caudal
from caudal.exceptions import FlowStorageError
from caudal.storage import Azure, Storage, extract_flow

ROOT = Path(__file__).resolve().parents[2]

# Azurite's one account and its key, as Microsoft documents them for the emulator.
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")


def azurite_command() -> str:
    found = (os.environ.get("CAUDAL_TEST_AZURITE")
             or shutil.which("azurite-blob")
             or next((str(p) for p in [ROOT / ".tools/node_modules/.bin/azurite-blob"]
                      if p.exists()), None))
    if found is None:
        pytest.fail("Azurite is needed for the Azure storage tests and was not found: run "
                    "'npm install --prefix .tools azurite@3' in the repository, or set "
                    "CAUDAL_TEST_AZURITE to an azurite-blob command.")
    return found


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Azurite's Blob service on a free port for this module; yields a connection string."""
    from fixtures_storage import free_port

    port = free_port()
    workspace = tmp_path_factory.mktemp("azurite")
    log = (workspace / "azurite.log").open("wb")
    process = subprocess.Popen(
        [azurite_command(), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
         str(workspace), "--silent", "--skipApiVersionCheck", "--disableTelemetry"],
        stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}/{ACCOUNT}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Azurite did not start:\n"
                                       + (workspace / "azurite.log").read_text()) from None
                time.sleep(0.1)
        yield (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
               f"BlobEndpoint={endpoint};")
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture
def container(azurite: str) -> Iterator[str]:
    """A new, empty container; the connection string is the secret 'AZURE_FLOWS'."""
    from adlfs import AzureBlobFileSystem

    name = f"flows-{uuid.uuid4().hex[:12]}"
    AzureBlobFileSystem(connection_string=azurite).mkdir(name)
    with caudal.context(secrets={"AZURE_FLOWS": azurite}):
        yield name


@pytest.fixture
def double_file(tmp_path: Path) -> Path:
    return write(tmp_path / "src", "double_flow.py", DOUBLE)


def blob_names(azurite: str, container: str) -> list[str]:
    from adlfs import AzureBlobFileSystem

    fs = AzureBlobFileSystem(connection_string=azurite)
    fs.invalidate_cache()
    return sorted(path.split("/", 1)[1] for path in fs.find(container))


def test_pickled_flow_round_trip(azurite: str, container: str, double_file: Path):
    storage = Azure(container, connection_string_secret="AZURE_FLOWS")

    blob = storage.add_flow(extract_flow(double_file))
    storage.build()
    loaded = storage.get_flow("double")

    assert blob.startswith("double/") and blob.endswith(".pkl")
    assert blob_names(azurite, container) == sorted([blob, blob[:-4] + ".py"])
    assert run_result(loaded, "double", x=3) == 6


def test_description_has_no_connection_string_and_rebuilds_the_storage(
        azurite: str, container: str, double_file: Path):
    storage = Azure(container, connection_string_secret="AZURE_FLOWS")
    storage.add_flow(extract_flow(double_file))
    storage.build()

    described = storage.serialize()
    rebuilt = Storage.from_serialized(described)

    assert ACCOUNT_KEY not in str(described)
    assert (described["type"], described["container"], described["connection_string_secret"]
            ) == ("Azure", container, "AZURE_FLOWS")
    assert isinstance(rebuilt, Azure)
    assert run_result(rebuilt.get_flow("double"), "double") == 42
    rebuilt.flow_sources.clear()
    assert rebuilt.get_flow_source("double") == DOUBLE


def test_connection_string_from_the_environment(azurite: str, container: str,
                                                double_file: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite)
    storage = Azure(container)
    storage.add_flow(extract_flow(double_file))

    with caudal.context(secrets={}):
        assert run_result(storage.build().get_flow("double"), "double") == 42


def test_script_is_uploaded_and_run(azurite: str, container: str, double_file: Path):
    storage = Azure(container, connection_string_secret="AZURE_FLOWS", stored_as_script=True)

    blob = storage.add_flow(extract_flow(double_file))
    storage.build()

    assert blob.endswith(".py") and blob_names(azurite, container) == [blob]
    assert run_result(storage.get_flow("double"), "double") == 42


def test_script_blob_already_in_place_is_loaded(azurite: str, container: str,
                                                double_file: Path):
    from adlfs import AzureBlobFileSystem

    AzureBlobFileSystem(connection_string=azurite).pipe_file(f"{container}/etl/double.py",
                                                             DOUBLE.encode())
    storage = Azure(container, connection_string_secret="AZURE_FLOWS", stored_as_script=True,
                    blob_name="etl/double.py")

    storage.add_flow(extract_flow(double_file))

    assert run_result(storage.build().get_flow("double"), "double") == 42


def test_existing_blob_is_kept_unless_overwrite(container: str, double_file: Path):
    flow = extract_flow(double_file)
    first = Azure(container, connection_string_secret="AZURE_FLOWS", blob_name="etl/double.pkl")
    first.add_flow(flow)
    first.build()
    again = Azure(container, connection_string_secret="AZURE_FLOWS", blob_name="etl/double.pkl")
    again.add_flow(flow)
    replaced = Azure(container, connection_string_secret="AZURE_FLOWS",
                     blob_name="etl/double.pkl", overwrite=True)
    replaced.add_flow(flow)

    with pytest.raises(FlowStorageError, match="exists already in container .* overwrite=True"):
        again.build()
    assert run_result(replaced.build().get_flow("double"), "double") == 42


def test_missing_blob_is_a_storage_error(container: str):
    storage = Azure(container, connection_string_secret="AZURE_FLOWS")
    storage.flows["double"] = "double/never-uploaded.pkl"

    with pytest.raises(FlowStorageError, match="nothing is stored there"):
        storage.get_flow("double")


def test_no_connection_string_says_where_to_set_it(double_file: Path):
    storage = Azure("flows")
    storage.add_flow(extract_flow(double_file))

    with caudal.context(secrets={}), pytest.raises(
            FlowStorageError, match="no connection string: set the variable "
                                    "AZURE_STORAGE_CONNECTION_STRING"):
        storage.build()
