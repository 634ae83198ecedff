"""Fixtures for the client side: a Client on the real test server, a project, flow files.

``client`` is a ``caudal.client.Client`` pointed at ``server_url`` (the real app under
uvicorn, on SQLite and on PostgreSQL in turn). ``caudal_home`` gives the test a configuration
whose home is a temporary folder, so that ``Local()`` storage writes there and not in the
developer's ``~/.caudal``. ``write_flow_file`` writes a flow file the way a pipeline repo
holds one.
"""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

FLOW_FILE = '''\
from caudal import Flow, Parameter, task


@task
def scale(x):
    return {factor} * x


with Flow("{name}") as flow:
    scale(Parameter("x", default=1))
'''


def write_flow_file(folder: Path, name: str = "scaler", factor: int = 2,
                    filename: str | None = None) -> Path:
    """A ``.py`` file defining flow ``name`` with one parameter ``x`` and one task."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (filename or f"{name}.py")
    path.write_text(textwrap.dedent(FLOW_FILE.format(name=name, factor=factor)))
    return path


def closed_port() -> int:
    """A loopback port that nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def caudal_home(tmp_path: Path) -> Iterator[Path]:
    """A configuration whose home (and Local storage folder) is a temporary folder."""
    import caudal
    from caudal.configuration import load_config

    home = tmp_path / "caudal_home"
    with caudal.context(config=load_config({"CAUDAL_HOME": str(home)})):
        yield home


@pytest.fixture
def client(server_url: str) -> Iterator[object]:
    """A Client on the real test server, with short retries."""
    from caudal.client import Client

    with Client(server_url, retries=1, backoff_s=0.05) as api_client:
        yield api_client


@pytest.fixture
def project(client: object) -> str:
    """A project named 'etl' on the test server."""
    client.create_project("etl", "flows of the test")  # type: ignore[attr-defined]
    return "etl"


@pytest.fixture
def flow_id(client: object, project: str, tmp_path: Path) -> str:
    """The id of flow 'adder' in project 'etl': a required parameter 'x', 'y' defaulting to 1,
    labels ['etl']."""
    from caudal import Flow, Parameter, task
    from caudal.storage import Local

    @task
    def add(x, y):
        return x + y

    storage = Local(directory=str(tmp_path / "flows"), add_default_labels=False)
    with Flow("adder", storage=storage) as flow:
        add(Parameter("x"), Parameter("y", default=1))
    return client.register(flow, project_name=project, labels=["etl"],  # type: ignore[attr-defined]
                           no_url=True)
