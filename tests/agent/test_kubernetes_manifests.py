"""The manifests the Kubernetes agent sends to a cluster, checked as a user would see them.

No cluster runs here. So every manifest built in this module (each flow run's Job, and what
``caudal agent kubernetes install`` prints) is checked against the Kubernetes schema of the
latest version kubernetes-validate knows, strictly (unknown fields are refused, as the API
server refuses them), before its fields are looked at. One negative control shows that the
check can fail.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from caudal.agent.kubernetes.manifests import (
    JobSettings,
    agent_manifests,
    job_manifest,
    job_name,
    load_job_template,
)
from caudal.agent.launcher import LaunchSpec
from caudal.run_configs import KubernetesRun

RUN_ID = "3f9a0c1d-5b6e-4f70-8a91-b2c3d4e5f607"
FLOW_ID = "9e8d7c6b-1a2b-4c3d-9e4f-0a1b2c3d4e5f"
NAME = "caudal-etl-3f9a0c1d-ab12c"
AGENT_ENV = {"CAUDAL_API": "http://caudal.data.svc:4200", "SHARED": "agent", "AGENT_ONLY": "1"}

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

TEMPLATE: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"labels": {"team": "data"}, "annotations": {"owner": "etl@example.com"}},
    "spec": {
        "backoffLimit": 3,
        "activeDeadlineSeconds": 3600,
        "template": {
            "metadata": {"labels": {"team": "data", "tier": "batch"}},
            "spec": {
                "nodeSelector": {"pool": "etl"},
                "containers": [
                    {"name": "proxy", "image": "cloud-sql-proxy:2",
                     "args": ["--port", "5432", "project:region:db"],
                     "resources": {"requests": {"cpu": "100m"}}},
                    {"name": "flow", "image": "template:1",
                     "env": [{"name": "DB_PASSWORD",
                              "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                             {"name": "SHARED", "value": "template"}],
                     "resources": {"limits": {"nvidia.com/gpu": "1"}}},
                ],
            },
        },
    },
}


def validate(manifest: dict[str, Any]) -> None:
    """Refused as the API server would refuse it (raises kubernetes_validate.ValidationError)."""
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)


def build(run: KubernetesRun, settings: JobSettings | None = None, *,
          name: str = NAME) -> dict[str, Any]:
    """The Job the agent would create for a run of a flow with run config ``run``.

    The run config goes through JSON, as it does on its way through the server; the spec is
    made as the agent makes it (the run config's ``env`` is the run's environment).
    """
    run_config = json.loads(json.dumps(run.serialize()))
    spec = LaunchSpec(flow_run_id=RUN_ID, flow_id=FLOW_ID, flow_name="etl",
                      command=["python", "-m", "caudal", "execute", "flow-run", RUN_ID],
                      agent_env=dict(AGENT_ENV),
                      run_env={k: str(v) for k, v in (run_config.get("env") or {}).items()},
                      run_config=run_config)
    job = job_manifest(spec, settings or JobSettings(), name)
    check_job(job, name=name, namespace=(settings or JobSettings()).namespace)
    return job


def check_job(job: dict[str, Any], *, name: str, namespace: str) -> None:
    """What holds for every Job: valid, named, labelled, running this run, never restarted."""
    validate(job)
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    assert job["metadata"]["name"] == name
    assert DNS_LABEL.match(name) and len(name) <= 63
    assert job["metadata"]["namespace"] == namespace
    job_labels = job["metadata"]["labels"]
    pod_labels = job["spec"]["template"]["metadata"]["labels"]
    assert job_labels["caudal.io/flow-run-id"] == RUN_ID
    assert job_labels["caudal.io/flow-id"] == FLOW_ID
    assert pod_labels["caudal.io/flow-run-id"] == RUN_ID
    assert pod_labels["caudal.io/job"] == name
    assert job_labels["app.kubernetes.io/managed-by"] == "caudal"
    for value in [*job_labels.values(), *pod_labels.values()]:
        assert len(value) <= 63 and LABEL_VALUE.match(value), value
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    container = flow_container(job)
    assert container["args"] == ["caudal", "execute", "flow-run", RUN_ID]
    names = [entry["name"] for entry in container["env"]]
    assert len(names) == len(set(names)), f"a variable set twice: {names}"


def flow_container(job: dict[str, Any]) -> dict[str, Any]:
    """The container that runs the flow: the one named "flow", else the first."""
    containers = job["spec"]["template"]["spec"]["containers"]
    return next((c for c in containers if c["name"] == "flow"), containers[0])


def env_of(job: dict[str, Any]) -> dict[str, Any]:
    """The flow container's variables: a value, or the ``valueFrom`` entry itself."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in flow_container(job)["env"]}


# --- a run's Job -------------------------------------------------------------------------------


def test_defaults_run_caudal_image_with_no_settings() -> None:
    from caudal import __version__

    job = build(KubernetesRun())

    container = flow_container(job)
    assert container["image"] == f"caudal:{__version__}"
    assert env_of(job) == AGENT_ENV
    assert job["spec"]["backoffLimit"] == 0
    pod_spec = job["spec"]["template"]["spec"]
    assert [c["name"] for c in pod_spec["containers"]] == ["flow"]
    assert "serviceAccountName" not in pod_spec
    assert "imagePullSecrets" not in pod_spec
    assert "resources" not in container
    assert "imagePullPolicy" not in container


def test_run_config_settings_reach_the_container_and_pod() -> None:
    run = KubernetesRun(image="registry.example.com/etl:1.2", env={"SHARED": "run", "RUN": "1"},
                        cpu_request=0.5, cpu_limit=2, memory_request="512Mi",
                        memory_limit="2Gi", service_account_name="etl-runner",
                        image_pull_secrets=["regcred", "mirror"],
                        image_pull_policy="IfNotPresent", labels=["prod"])

    job = build(run)

    container = flow_container(job)
    assert container["image"] == "registry.example.com/etl:1.2"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert env_of(job) == {**AGENT_ENV, "SHARED": "run", "RUN": "1"}
    assert container["resources"] == {"requests": {"cpu": "0.5", "memory": "512Mi"},
                                      "limits": {"cpu": "2", "memory": "2Gi"}}
    pod_spec = job["spec"]["template"]["spec"]
    assert pod_spec["serviceAccountName"] == "etl-runner"
    assert pod_spec["imagePullSecrets"] == [{"name": "regcred"}, {"name": "mirror"}]
    assert job["spec"]["backoffLimit"] == 0


RUN_SETTINGS: dict[str, Any] = {"env": {"SHARED": "run", "RUN": "yes"}, "cpu_limit": "2",
                                "memory_request": "1Gi"}
"""What the template runs below set besides their template."""


def _template_as_dict(tmp_path: Path) -> KubernetesRun:
    return KubernetesRun(job_template=copy.deepcopy(TEMPLATE), **RUN_SETTINGS)


def _template_as_yaml(tmp_path: Path) -> KubernetesRun:
    return KubernetesRun(job_template=yaml.safe_dump(TEMPLATE), **RUN_SETTINGS)


def _template_as_path(tmp_path: Path) -> KubernetesRun:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(TEMPLATE))
    return KubernetesRun(job_template_path=str(path), **RUN_SETTINGS)


def _template_as_file_url(tmp_path: Path) -> KubernetesRun:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(TEMPLATE))
    return KubernetesRun(job_template_path=f"file://{path}", **RUN_SETTINGS)


@pytest.mark.parametrize("make_run", [_template_as_dict, _template_as_yaml, _template_as_path,
                                      _template_as_file_url],
                         ids=["dict", "yaml-text", "path", "file-url"])
def test_custom_job_template_is_kept_and_filled_in(make_run: Any, tmp_path: Path) -> None:
    job = build(make_run(tmp_path))

    assert job["metadata"]["labels"]["team"] == "data"
    assert job["metadata"]["annotations"] == {"owner": "etl@example.com"}
    assert job["spec"]["backoffLimit"] == 3  # the template's own, not 0
    assert job["spec"]["activeDeadlineSeconds"] == 3600
    pod = job["spec"]["template"]
    assert pod["metadata"]["labels"]["team"] == "data"
    assert pod["metadata"]["labels"]["tier"] == "batch"
    assert pod["spec"]["nodeSelector"] == {"pool": "etl"}
    # The sidecar is the template's, untouched (and still first).
    assert pod["spec"]["containers"][0] == TEMPLATE["spec"]["template"]["spec"]["containers"][0]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["proxy", "flow"]

    container = flow_container(job)
    assert container["image"] == "template:1"  # no image in the run config: the template's
    env = env_of(job)
    assert env["DB_PASSWORD"] == {"secretKeyRef": {"name": "db", "key": "password"}}
    assert env["SHARED"] == "run"  # the run's value over the agent's and the template's
    assert env["RUN"] == "yes"
    assert env["AGENT_ONLY"] == "1"
    assert env["CAUDAL_API"] == AGENT_ENV["CAUDAL_API"]
    # The run config's resources are set over the template's, which are kept.
    assert container["resources"] == {"limits": {"nvidia.com/gpu": "1", "cpu": "2"},
                                      "requests": {"memory": "1Gi"}}


def test_building_a_job_leaves_the_templates_as_they_were() -> None:
    """An agent builds many jobs from one run config and one agent template."""
    run = KubernetesRun(job_template=copy.deepcopy(TEMPLATE))
    settings = JobSettings(job_template=copy.deepcopy(TEMPLATE))
    spec = LaunchSpec(flow_run_id=RUN_ID, command=[], agent_env={"SHARED": "agent"},
                      run_config=run.serialize())  # the run config's own dict, not a copy

    jobs = [job_manifest(spec, settings, NAME),
            job_manifest(spec, settings, NAME),
            job_manifest(LaunchSpec(flow_run_id=RUN_ID, command=[],
                                    agent_env={"SHARED": "agent"}), settings, NAME)]

    assert run.job_template == TEMPLATE
    assert settings.job_template == TEMPLATE
    assert jobs[0] == jobs[1] == jobs[2]
    for job in jobs:
        validate(job)


AGENT_SETTINGS = JobSettings(namespace="data", image="etl:2", service_account_name="runner",
                             image_pull_secrets=["reg"], image_pull_policy="Always")


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        pytest.param(KubernetesRun(),
                     {"image": "etl:2", "account": "runner", "secrets": ["reg"],
                      "policy": "Always"}, id="agent-defaults"),
        pytest.param(KubernetesRun(image="etl:3", service_account_name="special"),
                     {"image": "etl:3", "account": "special", "secrets": ["reg"],
                      "policy": "Always"}, id="run-image-and-account"),
        pytest.param(KubernetesRun(image_pull_secrets=["other", "more"],
                                   image_pull_policy="IfNotPresent"),
                     {"image": "etl:2", "account": "runner", "secrets": ["other", "more"],
                      "policy": "IfNotPresent"}, id="run-pull-settings"),
    ],
)
def test_agent_defaults_apply_where_the_run_config_sets_nothing(
        run: KubernetesRun, expected: dict[str, Any]) -> None:
    job = build(run, AGENT_SETTINGS)

    assert job["metadata"]["namespace"] == "data"
    container = flow_container(job)
    pod_spec = job["spec"]["template"]["spec"]
    assert container["image"] == expected["image"]
    assert container["imagePullPolicy"] == expected["policy"]
    assert pod_spec["serviceAccountName"] == expected["account"]
    assert pod_spec["imagePullSecrets"] == [{"name": s} for s in expected["secrets"]]


def test_agent_job_template_is_used_unless_the_run_config_has_one(tmp_path: Path) -> None:
    agent_template = copy.deepcopy(TEMPLATE)
    agent_template["spec"]["template"]["spec"]["nodeSelector"] = {"pool": "agent"}
    settings = JobSettings(namespace="data", image="etl:2", job_template=agent_template)

    from_agent = build(KubernetesRun(), settings)
    from_run = build(_template_as_path(tmp_path), settings)

    assert from_agent["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "agent"}
    assert from_run["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "etl"}


def test_template_without_a_flow_container_runs_the_flow_in_its_first() -> None:
    template = {"spec": {"template": {"spec": {"containers": [
        {"name": "main"}, {"name": "sidecar", "image": "side:1"}]}}}}

    job = build(KubernetesRun(job_template=template, image="etl:1"))

    main, sidecar = job["spec"]["template"]["spec"]["containers"]
    assert main["name"] == "main"
    assert main["image"] == "etl:1"
    assert main["args"] == ["caudal", "execute", "flow-run", RUN_ID]
    assert sidecar == {"name": "sidecar", "image": "side:1"}


@pytest.mark.parametrize("container", [
    pytest.param({"name": "flow", "image": "x:1", "resources": {"limits": {"cpu": {"bad": 1}}}},
                 id="bad-quantity"),
    pytest.param({"name": "flow", "image": "x:1", "cpuLimit": "1"}, id="unknown-field"),
])
def test_schema_check_refuses_an_invalid_job(container: dict[str, Any]) -> None:
    """The negative control: a template the API server would refuse gives a Job that fails
    the check, so the checks above can fail."""
    template = {"spec": {"template": {"spec": {"containers": [container]}}}}
    run_config = json.loads(json.dumps(KubernetesRun(job_template=template).serialize()))
    spec = LaunchSpec(flow_run_id=RUN_ID, command=[], run_config=run_config)

    job = job_manifest(spec, JobSettings(), NAME)

    with pytest.raises(kubernetes_validate.ValidationError):
        validate(job)


def test_invalid_pull_policy_of_the_agent_is_refused() -> None:
    spec = LaunchSpec(flow_run_id=RUN_ID, command=[], run_config=KubernetesRun().serialize())

    with pytest.raises(ValueError, match="imagePullPolicy"):
        job_manifest(spec, JobSettings(image_pull_policy="Sometimes"), NAME)


# --- job templates and job names ---------------------------------------------------------------


@pytest.mark.parametrize("source", [
    pytest.param({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}},
                 id="deployment-dict"),
    pytest.param("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
                 id="deployment-yaml"),
    pytest.param("apiVersion: batch/v1beta1\nkind: Job\n", id="old-api-version"),
    pytest.param("- apiVersion: batch/v1\n- kind: Job\n", id="yaml-list"),
    pytest.param("just some words\nover two lines\n", id="yaml-scalar"),
    pytest.param("kind: Job\nspec: [unclosed\n", id="not-yaml"),
])
def test_load_job_template_refuses_what_is_not_a_job(source: str | dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        load_job_template(source)


def test_load_job_template_refuses_a_file_that_is_not_a_job(tmp_path: Path) -> None:
    path = tmp_path / "deployment.yaml"
    path.write_text("apiVersion: apps/v1\nkind: Deployment\n")

    with pytest.raises(ValueError, match="batch/v1 Job"):
        load_job_template(str(path))


def test_load_job_template_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(TEMPLATE))

    assert load_job_template(str(path)) == TEMPLATE
    assert load_job_template(yaml.safe_dump(TEMPLATE)) == TEMPLATE


@pytest.mark.parametrize("flow_name", [
    "Ünïcode   Flow!!! — with a very, very, very long and odd name ***" * 3,
    "ETL__Daily.Report (v2)",
    "---",
    "",
    "x" * 200,
])
def test_job_name_is_a_dns_label(flow_name: str) -> None:
    first, second = job_name(flow_name, RUN_ID), job_name(flow_name, RUN_ID)

    for name in (first, second):
        assert DNS_LABEL.match(name), name
        assert len(name) <= 63
        assert name.startswith("caudal-")
        assert "3f9a0c1d" in name
    assert first != second
    build(KubernetesRun(), name=first)


# --- what `caudal agent kubernetes install` prints ---------------------------------------------


def _deployment(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m for m in manifests if m["kind"] == "Deployment")


def _agent_container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container  # type: ignore[no-any-return]


def _option_values(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == option]


def check_deployment(deployment: dict[str, Any], *, namespace: str, labels: list[str],
                     env: dict[str, str], api_url: str) -> None:
    assert (deployment["apiVersion"], deployment["kind"]) == ("apps/v1", "Deployment")
    assert deployment["metadata"]["namespace"] == namespace
    selector = deployment["spec"]["selector"]["matchLabels"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()  # apps/v1 refuses a selector that misses
    container = _agent_container(deployment)
    args = container["args"]
    assert args[:4] == ["caudal", "agent", "kubernetes", "start"]
    assert _option_values(args, "--namespace") == [namespace]
    assert _option_values(args, "--label") == labels
    assert _option_values(args, "--env") == [f"{k}={v}" for k, v in env.items()]
    assert {"name": "CAUDAL_API", "value": api_url} in container["env"]
    probe_port = container["livenessProbe"]["httpGet"]["port"]
    assert probe_port in [p["containerPort"] for p in container["ports"]]
    assert _option_values(args, "--health-address") == [f"0.0.0.0:{probe_port}"]


@pytest.mark.parametrize("rbac", [False, True], ids=["plain", "rbac"])
def test_agent_manifests_are_valid_and_run_the_agent(rbac: bool) -> None:
    manifests = agent_manifests(api_url="http://caudal.data.svc:4200", api_key="k-123",
                                namespace="data", labels=["etl", "gpu"],
                                env={"A": "1", "B": "two words"}, image_pull_secrets=["reg"],
                                job_image="etl:2", rbac=rbac,
                                resources={"requests": {"memory": "256Mi", "cpu": "100m"},
                                           "limits": {"memory": "512Mi"}})

    for manifest in manifests:
        validate(manifest)
        assert manifest["metadata"]["namespace"] == "data"
    deployment = _deployment(manifests)
    check_deployment(deployment, namespace="data", labels=["etl", "gpu"],
                     env={"A": "1", "B": "two words"}, api_url="http://caudal.data.svc:4200")
    container = _agent_container(deployment)
    assert {"name": "CAUDAL_API_KEY", "value": "k-123"} in container["env"]
    assert _option_values(container["args"], "--image") == ["etl:2"]
    assert _option_values(container["args"], "--image-pull-secrets") == ["reg"]
    assert container["resources"] == {"requests": {"memory": "256Mi", "cpu": "100m"},
                                      "limits": {"memory": "512Mi"}}
    pod_spec = deployment["spec"]["template"]["spec"]
    assert pod_spec["imagePullSecrets"] == [{"name": "reg"}]
    if not rbac:
        assert [m["kind"] for m in manifests] == ["Deployment"]
        assert "serviceAccountName" not in pod_spec
        return

    account, role, binding, _ = manifests
    assert [m["kind"] for m in manifests] == ["ServiceAccount", "Role", "RoleBinding",
                                              "Deployment"]
    rules = {(group, resource): set(rule["verbs"]) for rule in role["rules"]
             for group in rule["apiGroups"] for resource in rule["resources"]}
    assert rules[("batch", "jobs")] >= {"create", "delete", "get", "list", "watch"}
    assert rules[("", "pods")] >= {"get", "list", "watch"}
    assert rules[("", "pods/log")] >= {"get", "list", "watch"}
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": role["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount",
                                    "name": account["metadata"]["name"],
                                    "namespace": "data"}]
    assert pod_spec["serviceAccountName"] == account["metadata"]["name"]


def test_agent_manifests_pass_the_jobs_defaults_to_the_agent() -> None:
    (deployment,) = agent_manifests(api_url="http://caudal:4200", service_account_name="ops",
                                    image_pull_policy="IfNotPresent", image="caudal:custom",
                                    job_image="etl:7")

    validate(deployment)
    # The service account and pull policy are the jobs', not the agent pod's.
    assert "serviceAccountName" not in deployment["spec"]["template"]["spec"]
    container = _agent_container(deployment)
    assert container["image"] == "caudal:custom"
    args = container["args"]
    assert _option_values(args, "--service-account-name") == ["ops"]
    assert _option_values(args, "--image-pull-policy") == ["IfNotPresent"]
    assert _option_values(args, "--image") == ["etl:7"]
    with pytest.raises(ValueError, match="imagePullPolicy"):
        agent_manifests(api_url="http://caudal:4200", image_pull_policy="Bogus")


# --- the real command line ---------------------------------------------------------------------


def _caudal(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caudal", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_install_command_prints_valid_manifests() -> None:
    url = "http://caudal.data.svc:4200"
    result = _caudal("agent", "kubernetes", "install", "--rbac", "--namespace", "data",
                     "--label", "etl", "--env", "A=1", "--api", url,
                     "--image-pull-secrets", "reg")

    assert result.returncode == 0, result.stderr
    manifests = [m for m in yaml.safe_load_all(result.stdout) if m is not None]
    for manifest in manifests:
        validate(manifest)
    assert [m["kind"] for m in manifests] == ["ServiceAccount", "Role", "RoleBinding",
                                              "Deployment"]
    deployment = _deployment(manifests)
    check_deployment(deployment, namespace="data", labels=["etl"], env={"A": "1"}, api_url=url)
    pod_spec = deployment["spec"]["template"]["spec"]
    assert pod_spec["serviceAccountName"] == manifests[0]["metadata"]["name"]
    assert pod_spec["imagePullSecrets"] == [{"name": "reg"}]
    container = _agent_container(deployment)
    assert {e["name"]: e["value"] for e in container["env"]}["CAUDAL_API"] == url


def test_install_command_refuses_an_unknown_pull_policy() -> None:
    result = _caudal("agent", "kubernetes", "install", "--image-pull-policy", "Bogus")

    assert result.returncode == 2
    assert "Usage:" in result.stderr
    assert "Bogus" in result.stderr
    assert result.stdout == ""
