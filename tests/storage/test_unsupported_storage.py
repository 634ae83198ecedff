"""Docker and CodeCommit storage: flows that declare them import and run locally, describe their
storage, and refuse to be stored or loaded with a message that says what to use instead."""

from __future__ import annotations

import pytest
from flowfiles import DOUBLE, run_result, write

from caudal.exceptions import FlowStorageError
from caudal.storage import CodeCommit, Docker, Storage, extract_flow

DECLARES_DOCKER = DOUBLE + '''
from caudal.storage import Docker

flow.storage = Docker(registry_url="registry.city.gov", image_name="etl", image_tag="1.0",
                      python_dependencies=["pandas"], files={"/abs/flows": "/opt/flows"})
'''


def test_flow_declaring_docker_storage_still_runs_locally(tmp_path):
    flow = extract_flow(write(tmp_path, "docker_flow.py", DECLARES_DOCKER))

    assert isinstance(flow.storage, Docker) and flow.storage.name == "registry.city.gov/etl:1.0"
    assert run_result(flow, "double") == 42


@pytest.mark.parametrize("use", ["add_flow", "build", "get_flow", "register"])
def test_docker_storage_says_to_build_the_image_and_use_other_storage(tmp_path, use):
    flow = extract_flow(write(tmp_path, "docker_flow.py", DECLARES_DOCKER))
    storage = flow.storage
    actions = {"add_flow": lambda: storage.add_flow(flow), "build": storage.build,
               "get_flow": lambda: storage.get_flow("double"),
               # what flow.register() and `caudal register` do first
               "register": lambda: flow.serialize(build=True)}

    with pytest.raises(FlowStorageError) as excinfo:
        actions[use]()

    message = str(excinfo.value)
    assert "caudal does not build Docker images" in message and "'double'" in message \
        or use == "build"
    assert "Module('pipelines.flows')" in message
    assert "KubernetesRun(image=" in message


def test_docker_storage_is_described_and_rebuilt():
    storage = Docker(registry_url="registry.city.gov", image_name="etl", image_tag="1.0",
                     labels=["k8s"])

    described = storage.serialize()
    rebuilt = Storage.from_serialized(described)

    assert (described["type"], described["image_name"], described["labels"]) == (
        "Docker", "etl", ["k8s"])
    assert isinstance(rebuilt, Docker) and rebuilt.name == "registry.city.gov/etl:1.0"


def test_docker_takes_a_base_image_or_a_dockerfile_not_both():
    with pytest.raises(ValueError, match="base_image or dockerfile, not both"):
        Docker(base_image="python:3.11", dockerfile="Dockerfile")


def test_codecommit_names_the_git_storage_that_reads_the_repository(tmp_path):
    flow = extract_flow(write(tmp_path, "double_flow.py", DOUBLE))
    storage = CodeCommit("pipelines", path="flows/etl.py", commit="abc123",
                         client_options={"region_name": "sa-east-1"})

    with pytest.raises(FlowStorageError) as excinfo:
        storage.add_flow(flow)

    message = str(excinfo.value)
    assert "CodeCommit storage is not supported" in message
    assert "Git(flow_path='flows/etl.py', repo='v1/repos/pipelines'" in message
    assert "commit='abc123'" in message
    assert Storage.from_serialized(storage.serialize()).repo == "pipelines"
