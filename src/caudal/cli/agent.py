"""``caudal agent start``: claim due runs with these labels and run them on this machine.

``caudal agent local start`` is the same command, as Prefect 0.15 users type it.
``caudal agent kubernetes start`` runs each run as a Job in a cluster instead, and
``caudal agent kubernetes install`` prints the manifests that run such an agent in one.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from caudal.cli.options import connection_options, make_client

if TYPE_CHECKING:
    from caudal.agent import AgentSettings, Launcher

__all__ = ["agent"]


def _agent_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--label", "-l", "labels", multiple=True, metavar="LABEL",
                     help="A label: the agent takes runs whose labels it all has; repeat for "
                          "several."),
        click.option("--limit", type=click.IntRange(1, 10_000), default=None,
                     help="Runs at once at most [default: config 'agent.limit', 8]."),
        click.option("--name", "-n", metavar="NAME", default=None,
                     help="The agent's name, shown by the server [default: this host's name]."),
        click.option("--env", "-e", "env", multiple=True, metavar="KEY=VALUE",
                     help="A variable set for every run it launches; repeat for several."),
        click.option("--health-address", metavar="HOST:PORT", default="127.0.0.1:0",
                     show_default=True,
                     help="Where the agent serves GET /health (port 0: any free port)."),
        click.option("--grace", type=float, default=None, metavar="SECONDS",
                     help="On SIGTERM, how long running runs may go on before they are "
                          "handed back [default: config 'agent.grace_s', 30]."),
        click.option("--max-runs", type=click.IntRange(1), default=None, hidden=True),
        connection_options,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _local_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--start-timeout", type=float, default=None, metavar="SECONDS",
        help="A launched run not Running after this long is stopped and failed [default: "
             "config 'agent.start_timeout_s', 60].")(command)
    return click.option(
        "--no-hostname-label", is_flag=True,
        help="Do not add this host's name to the labels (by default it is added, as flows "
             "stored with Local storage carry it).")(command)


def _parse_env(pairs: tuple[str, ...]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE.", param_hint="'--env'")
        env[key] = value
    return env


def _settings(labels: list[str], limit: int | None, name: str | None, env: tuple[str, ...],
              start_timeout: float | None, grace: float | None,
              api_key: str | None) -> AgentSettings:
    from caudal.agent import AgentSettings

    return AgentSettings.configured(name, labels, _parse_env(env), limit, start_timeout, grace,
                                    api_key)


def _serve(settings: AgentSettings, make_launcher: Callable[[], Launcher], health_address: str,
           max_runs: int | None, api_url: str | None, api_key: str | None) -> None:
    """Run an agent with the launcher ``make_launcher`` makes, until SIGTERM or Ctrl-C."""
    from caudal.agent import Agent
    from caudal.agent.serve import HealthAddressError, serve

    with make_client(api_url, api_key) as client:
        try:
            launcher = make_launcher()
        except (RuntimeError, OSError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            serve(Agent(client, launcher, settings), health_address, max_runs=max_runs,
                  echo=click.echo)
        except HealthAddressError as exc:
            raise click.BadParameter(str(exc), param_hint="'--health-address'") from exc


def start_agent(labels: tuple[str, ...], no_hostname_label: bool, limit: int | None,
                name: str | None, env: tuple[str, ...], health_address: str,
                start_timeout: float | None, grace: float | None, max_runs: int | None,
                api_url: str | None, api_key: str | None) -> None:
    """Run a local agent until SIGTERM or Ctrl-C."""
    from pathlib import Path

    from caudal.agent import LocalLauncher
    from caudal.configuration import config

    all_labels = [*labels, *([] if no_hostname_label else [socket.gethostname()])]
    settings = _settings(all_labels, limit, name, env, start_timeout, grace, api_key)
    output_dir = Path(settings.home).expanduser() / "agent" / "output"
    _serve(settings, lambda: LocalLauncher(output_dir, warm=int(config.agent.warm_processes)),
           health_address, max_runs, api_url, api_key)


@click.group()
def agent() -> None:
    """Run flow runs of the server on this machine."""


@agent.command("start")
@_agent_options
@_local_options
def start(**options: Any) -> None:
    """Start an agent: it takes due runs whose labels it has and runs each in its own
    process, never more than --limit at once, until SIGTERM or Ctrl-C."""
    start_agent(**options)


@agent.group("local")
def local() -> None:
    """The local agent (Prefect 0.15's name for 'caudal agent start')."""


@local.command("start")
@_agent_options
@_local_options
def local_start(**options: Any) -> None:
    """Start a local agent (the same as 'caudal agent start')."""
    start_agent(**options)


@agent.group("kubernetes")
def kubernetes() -> None:
    """The Kubernetes agent: each run is a Job in a namespace of a cluster."""


def _job_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--namespace", default="default", show_default=True,
                     help="The namespace the agent starts and watches its jobs in."),
        click.option("--image", metavar="IMAGE", default=None,
                     help="The image of runs whose run config names none [default: "
                          "caudal:<version>]."),
        click.option("--image-pull-secrets", "image_pull_secrets", multiple=True,
                     metavar="NAMES",
                     help="Image pull secrets of the jobs (a,b or repeated), where the run "
                          "config names none."),
        click.option("--image-pull-policy",
                     type=click.Choice(["Always", "IfNotPresent", "Never"]), default=None,
                     help="The jobs' image pull policy, where the run config sets none."),
        click.option("--service-account-name", metavar="NAME", default=None,
                     help="The service account of the jobs, where the run config names none."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@kubernetes.command("start")
@_agent_options
@_job_options
@click.option("--job-template", metavar="PATH_OR_URL", default=None,
              help="A job template (YAML) for runs whose run config has none.")
@click.option("--disable-job-deletion", is_flag=True,
              help="Keep each run's job (and its pods' logs) in the cluster once the run is "
                   "settled.")
@click.option("--context", "kube_context", metavar="NAME", default=None,
              help="The kubeconfig context to use outside a cluster [default: its current "
                   "one].")
@click.option("--start-timeout", type=float, default=300.0, show_default=True,
              metavar="SECONDS",
              help="A job whose run is not Running after this long (its image still "
                   "pulling, no node for it) is deleted and its run failed.")
def kubernetes_start(labels: tuple[str, ...], limit: int | None, name: str | None,
                     env: tuple[str, ...], health_address: str, grace: float | None,
                     max_runs: int | None, api_url: str | None, api_key: str | None,
                     namespace: str, image: str | None, image_pull_secrets: tuple[str, ...],
                     image_pull_policy: str | None, service_account_name: str | None,
                     job_template: str | None, disable_job_deletion: bool,
                     kube_context: str | None, start_timeout: float) -> None:
    """Start a Kubernetes agent: it takes due runs whose labels it has and runs each as a
    Job in --namespace (in a cluster, with the pod's service account; elsewhere, with the
    kubeconfig), never more than --limit at once, until SIGTERM or Ctrl-C."""
    from caudal.agent.kubernetes import JobSettings, KubernetesLauncher, kubernetes_api
    from caudal.agent.kubernetes.manifests import load_job_template, split_names

    try:
        template = load_job_template(job_template) if job_template else None
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--job-template'") from exc
    job_settings = JobSettings(namespace=namespace, image=image, job_template=template,
                               service_account_name=service_account_name,
                               image_pull_secrets=split_names(list(image_pull_secrets)),
                               image_pull_policy=image_pull_policy)
    settings = _settings(list(labels), limit, name, env, start_timeout, grace, api_key)
    _serve(settings, lambda: KubernetesLauncher(job_settings, kubernetes_api(kube_context),
                                                delete_finished_jobs=not disable_job_deletion),
           health_address, max_runs, api_url, api_key)


@kubernetes.command("install")
@click.option("--api", "api_url", metavar="URL", default=None,
              help="The server's address as the agent's pod reaches it [default: config "
                   "'api.url'].")
@click.option("--key", "api_key", metavar="KEY", default=None,
              help="The API key the agent uses (written into the manifest as is).")
@click.option("--name", "-n", default="caudal-agent", show_default=True,
              help="The agent's name, and its Deployment's.")
@click.option("--label", "-l", "labels", multiple=True, metavar="LABEL",
              help="A label of the agent; repeat for several.")
@click.option("--env", "-e", "env", multiple=True, metavar="KEY=VALUE",
              help="A variable set for every run it launches; repeat for several.")
@_job_options
@click.option("--agent-image", metavar="IMAGE", default=None,
              help="The agent's own image [default: caudal:<version>].")
@click.option("--rbac", is_flag=True,
              help="Also print a service account for the agent, with a Role and RoleBinding "
                   "that let it start, watch and delete jobs and read pods in the namespace.")
@click.option("--mem-request", default=None, help="The agent container's memory request.")
@click.option("--mem-limit", default=None, help="The agent container's memory limit.")
@click.option("--cpu-request", default=None, help="The agent container's CPU request.")
@click.option("--cpu-limit", default=None, help="The agent container's CPU limit.")
def kubernetes_install(api_url: str | None, api_key: str | None, name: str,
                       labels: tuple[str, ...], env: tuple[str, ...], namespace: str,
                       image: str | None, image_pull_secrets: tuple[str, ...],
                       image_pull_policy: str | None, service_account_name: str | None,
                       agent_image: str | None, rbac: bool, mem_request: str | None,
                       mem_limit: str | None, cpu_request: str | None,
                       cpu_limit: str | None) -> None:
    """Print the manifests (YAML) that run a Kubernetes agent in a cluster: apply them with
    'caudal agent kubernetes install ... | kubectl apply -f -'."""
    import yaml

    from caudal.agent.kubernetes.manifests import agent_manifests, split_names
    from caudal.configuration import config

    resources: dict[str, dict[str, str]] = {}
    for value, kind, resource in ((mem_request, "requests", "memory"),
                                  (cpu_request, "requests", "cpu"),
                                  (mem_limit, "limits", "memory"),
                                  (cpu_limit, "limits", "cpu")):
        if value:
            resources.setdefault(kind, {})[resource] = value
    try:
        manifests = agent_manifests(
            api_url=api_url or str(config.api.url), api_key=api_key, namespace=namespace,
            name=name, labels=list(labels), env=_parse_env(env), image=agent_image,
            image_pull_secrets=split_names(list(image_pull_secrets)),
            image_pull_policy=image_pull_policy, service_account_name=service_account_name,
            rbac=rbac, resources=resources or None, job_image=image)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(yaml.safe_dump_all(manifests, sort_keys=False, explicit_start=True), nl=False)
