"""Prefect 0.15's deprecated environments: kept on the flow, never needed to run it."""

from __future__ import annotations

import warnings

import pytest

import caudal
from caudal import Flow, task
from caudal.environments import (
    DaskCloudProviderEnvironment,
    DaskKubernetesEnvironment,
    Environment,
    FargateTaskEnvironment,
    KubernetesJobEnvironment,
    LocalEnvironment,
)
from caudal.exceptions import NotSupportedError
from caudal.executors import LocalDaskExecutor, LocalExecutor

pytestmark = pytest.mark.filterwarnings("ignore:Environments .flow.environment. are deprecated")


@pytest.mark.parametrize("build", [
    Environment, LocalEnvironment, DaskKubernetesEnvironment, KubernetesJobEnvironment,
    FargateTaskEnvironment, lambda: DaskCloudProviderEnvironment(object)])
def test_constructing_an_environment_warns_once_that_it_is_deprecated(build):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build()

    assert [w.category for w in caught] == [UserWarning]
    assert "flow.run_config" in str(caught[0].message)
    assert caught[0].filename == __file__


def test_flow_with_local_environment_runs_and_keeps_it():
    environment = LocalEnvironment(labels=["etl"], metadata={"image": "etl:1"})
    with Flow("with environment", environment=environment) as flow:
        one = task(lambda: 1, name="one")()

    state = flow.run()

    assert state.is_successful() and state.result[one].result == 1
    assert flow.environment is environment


def test_environment_keeps_its_arguments_as_attributes():
    def on_start():
        pass

    environment = Environment(labels=["a", "b", "a"], on_start=on_start)

    assert (environment.labels, environment.on_start, environment.on_exit,
            environment.metadata) == ({"a", "b"}, on_start, None, {})
    assert repr(environment) == "<Environment: Environment>"
    assert environment.logger.name == "caudal.Environment"
    assert environment.dependencies == []


def test_local_environment_defaults_to_a_local_executor():
    executor = LocalDaskExecutor()

    assert isinstance(LocalEnvironment().executor, LocalExecutor)
    assert LocalEnvironment(executor=executor).executor is executor


def test_dask_kubernetes_environment_keeps_its_arguments():
    environment = DaskKubernetesEnvironment(min_workers=2, max_workers=5, labels=["k8s"],
                                            image_pull_secret="regcred")

    assert (environment.min_workers, environment.max_workers, environment.work_stealing,
            environment.image_pull_secret, environment.labels,
            environment.identifier_label) == (2, 5, True, "regcred", {"k8s"}, "")


def test_kubernetes_job_environment_with_missing_spec_file_raises_file_not_found(tmp_path):
    spec = tmp_path / "job.yaml"
    spec.write_text("kind: Job\n")

    assert KubernetesJobEnvironment(job_spec_file=str(spec)).job_spec_file == str(spec)
    with pytest.raises(FileNotFoundError):
        KubernetesJobEnvironment(job_spec_file=str(tmp_path / "missing.yaml"))


def test_fargate_environment_sorts_boto3_arguments_as_prefect_does():
    environment = FargateTaskEnvironment(region_name="us-east-1", cpu="256", family="etl",
                                         cluster="main", tags=[{"key": "a"}], overrides={})

    assert environment.task_definition_kwargs == {"cpu": "256", "family": "etl",
                                                  "tags": [{"key": "a"}]}
    assert environment.task_run_kwargs == {"cluster": "main", "tags": [{"key": "a"}]}
    assert environment.region_name == "us-east-1"


def test_dask_cloud_provider_environment_keeps_provider_arguments():
    environment = DaskCloudProviderEnvironment(dict, adaptive_min_workers=1, n_workers=3)

    assert environment._provider_kwargs == {"n_workers": 3, "skip_cleanup": True}
    assert (environment._provider_class, environment._adaptive_min_workers,
            environment.cluster) == (dict, 1, None)


@pytest.mark.parametrize("method", ["setup", "execute", "run"])
def test_running_through_an_environment_raises_not_supported_naming_run_config(method):
    with Flow("f") as flow:
        pass

    with pytest.raises(NotSupportedError, match="run_config"):
        getattr(LocalEnvironment(), method)(flow)


def test_load_and_run_flow_raises_not_supported():
    from caudal.environments.execution import load_and_run_flow

    with pytest.raises(NotSupportedError, match="caudal execute flow-run"):
        load_and_run_flow()


def test_environment_serializes_to_its_type_labels_and_metadata():
    serialized = LocalEnvironment(labels=["b", "a"], metadata={"x": 1}).serialize()

    assert serialized == {"type": "LocalEnvironment", "labels": ["a", "b"],
                          "metadata": {"x": 1}, "__version__": caudal.__version__}
