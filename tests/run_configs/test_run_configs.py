"""Run configs keep what a pipeline sets on them, refuse what cannot work, and travel as JSON."""

from __future__ import annotations

import copy
import json

import cloudpickle
import pytest

from caudal import Flow
from caudal.run_configs import DockerRun, KubernetesRun, LocalRun, UniversalRun


def test_universal_run_keeps_labels_as_a_set():
    assert UniversalRun(labels=["etl", "etl", "gpu"]).labels == {"etl", "gpu"}


def test_labels_given_as_one_string_are_refused():
    with pytest.raises(TypeError, match="not the string 'etl'"):
        UniversalRun(labels="etl")


def test_local_run_keeps_env_and_working_dir():
    run = LocalRun(env={"DB_URL": "postgresql://db/etl"}, working_dir="/srv/pipelines",
                   labels=["prod"])
    assert (run.env, run.working_dir, run.labels) == (
        {"DB_URL": "postgresql://db/etl"}, "/srv/pipelines", {"prod"})


def test_local_run_takes_keyword_arguments_only():
    with pytest.raises(TypeError):
        LocalRun({"A": "1"})  # type: ignore[misc]


def test_kubernetes_run_keeps_resources_as_kubernetes_text():
    run = KubernetesRun(image="ghcr.io/city/etl:2.1", cpu_request=0.5, cpu_limit=2,
                        memory_request="1Gi", memory_limit="4Gi",
                        service_account_name="etl-runner", image_pull_secrets=["regcred"],
                        env={"TZ": "America/Sao_Paulo"}, labels=["k8s"])
    assert (run.cpu_request, run.cpu_limit, run.memory_request, run.memory_limit) == (
        "0.5", "2", "1Gi", "4Gi")
    assert run.service_account_name == "etl-runner"
    assert run.image_pull_secrets == ["regcred"]


def test_kubernetes_run_refuses_a_template_and_a_template_path_together():
    with pytest.raises(ValueError, match="both `job_template_path` and `job_template`"):
        KubernetesRun(job_template={"kind": "Job"}, job_template_path="s3://bucket/job.yaml")


def test_kubernetes_run_refuses_an_unknown_pull_policy():
    with pytest.raises(ValueError, match="'Always', 'IfNotPresent' or 'Never'"):
        KubernetesRun(image_pull_policy="Sometimes")


def test_serialize_is_json_with_type_and_sorted_labels():
    run = KubernetesRun(image="etl:1", labels=["b", "a"], job_template={"kind": "Job"})
    data = json.loads(json.dumps(run.serialize()))
    assert data["type"] == "KubernetesRun"
    assert data["labels"] == ["a", "b"]
    assert data["job_template"] == {"kind": "Job"}


def test_run_config_set_on_a_deep_copied_flow_leaves_the_original_alone():
    with Flow("users", run_config=LocalRun(labels=["dev"])) as flow:
        pass
    copied = copy.deepcopy(flow)
    copied.run_config = KubernetesRun(image="etl:1", labels=["prod"])

    assert flow.run_config == LocalRun(labels=["dev"])
    assert copied.run_config.labels == {"prod"}


def test_run_configs_pickle_with_the_flow():
    with Flow("users", run_config=DockerRun(image="etl:1", labels=["docker"])) as flow:
        pass
    restored = cloudpickle.loads(cloudpickle.dumps(flow))
    assert restored.run_config == DockerRun(image="etl:1", labels=["docker"])
