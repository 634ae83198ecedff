"""Registering flows: put each flow's code in its storage and send its description to the server.

``register_flow`` does one flow (``flow.register`` and ``Client.register`` use it);
``register_targets`` finds every flow in files, folders and modules and registers each one,
reporting a line per flow, as ``caudal register`` does. A flow whose hash and labels match
the latest version on the server is skipped before its storage is written, so registering an
unchanged repository writes nothing and sends one request per project.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caudal.exceptions import AuthorizationError, ServerUnavailable
from caudal.wire.flows import FlowVersion, RegistrationResult, registration_key

if TYPE_CHECKING:
    from caudal.client.client import Client
    from caudal.core.flow import Flow

__all__ = ["FlowOutcome", "describe_registration", "flow_labels", "register_flow",
           "register_targets", "registration_key"]

MAX_SOURCE_CHARS = 5_000_000
"""Longer flow files are not sent for the UI's code view (the server refuses them)."""

_LOOK_UP = object()  # register_flow's "ask the server for the latest version" marker


def flow_labels(flow: Flow, labels: Iterable[str] | None = None) -> list[str]:
    """The labels a flow registers with: its run config's, its storage's and ``labels``.

    Example:
        >>> from caudal import Flow
        >>> from caudal.run_configs import UniversalRun
        >>> flow_labels(Flow("etl", run_config=UniversalRun(labels=["gpu"])), ["prod"])
        ['gpu', 'prod']
    """
    found = set(labels or ())
    run_config_labels = getattr(flow.run_config, "labels", None)
    if run_config_labels:
        found.update(run_config_labels)
    storage_labels = getattr(flow.storage, "labels", None)
    if storage_labels:
        found.update(storage_labels)
    return sorted(found)


def register_flow(client: Client, flow: Flow, project_name: str, *, build: bool = True,
                  labels: Iterable[str] | None = None, set_schedule_active: bool | None = None,
                  idempotency_key: str | None = None,
                  latest: FlowVersion | None | object = _LOOK_UP) -> RegistrationResult:
    """Register ``flow`` in ``project_name``: store its code, then send its description.

    A flow without storage gets ``Local()``. Its hash is computed before anything is stored:
    when it and the labels match the latest version's (and neither ``set_schedule_active``
    nor ``idempotency_key`` asks the server to decide), the flow is reported skipped and
    nothing is written or sent.

    Args:
        client: the client to send the registration with.
        flow: the flow.
        project_name: the project to register it in; it must exist.
        build: put the flow in its storage and build it first (False: the storage already
            holds it, as with ``Module`` storage).
        labels: labels to add to those of its run config and storage.
        set_schedule_active: turn the flow's schedule on or off; None keeps it as it is.
        idempotency_key: the server skips the registration when the latest version was
            registered with the same key; by default the key is the flow's hash and labels
            (see ``registration_key``).
        latest: the latest version of this flow on the server, or None if there is none;
            looked up when not given.

    Returns:
        The server's answer: created or skipped, with the version and ids.

    Raises:
        ClientError: the server refused the registration (``ObjectNotFound``: no such
            project), or could not be reached.
        FlowStorageError: the flow could not be stored.
    """
    if flow.storage is None:
        from caudal.storage import Local  # registration is where storage meets the client

        flow.storage = Local()
    all_labels = flow_labels(flow, labels)
    flow_hash = flow.serialized_hash()
    if latest is _LOOK_UP:
        found = client.list_flows(project=project_name, name=flow.name)
        latest = found[0] if found else None
    if (isinstance(latest, FlowVersion) and set_schedule_active is None
            and idempotency_key is None and latest.hash == flow_hash
            and sorted(latest.labels) == all_labels):
        return RegistrationResult(status="skipped", flow_id=latest.id,
                                  flow_group_id=latest.flow_group_id, version=latest.version)
    if build:
        _forget_earlier_build(flow)
    serialized = flow.serialize(build=build)
    return client.register_flow({
        "project": project_name,
        "name": flow.name,
        "hash": flow_hash,
        "serialized": serialized,
        "labels": all_labels,
        "idempotency_key": idempotency_key or registration_key(flow_hash, all_labels),
        "set_schedule_active": set_schedule_active,
        "source": _source_of(flow),
    })


def _forget_earlier_build(flow: Flow) -> None:
    """Let a flow registered earlier in this process be stored again (a new location).

    Storages refuse a second flow of the same name; a re-registration of the same (edited)
    flow object is not that.
    """
    storage = flow.storage
    if flow.name in getattr(storage, "flows", {}):
        storage.flows.pop(flow.name, None)
        storage.flow_sources.pop(flow.name, None)


def _source_of(flow: Flow) -> str | None:
    text = getattr(flow.storage, "flow_sources", {}).get(flow.name)
    if text is None:
        from caudal.storage.extract import find_flow_source

        found = find_flow_source(flow)
        text = found[1] if found else None
    return text if text is not None and len(text) <= MAX_SOURCE_CHARS else None


@dataclass(frozen=True, slots=True)
class FlowOutcome:
    """What happened to one flow (or one file that would not load) in ``register_targets``."""

    name: str
    source: str
    result: RegistrationResult | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


Echo = Callable[[str], None]


def register_targets(client: Client, project_name: str, targets: Sequence[str], *,
                     flow_names: Iterable[str] = (), labels: Iterable[str] = (),
                     set_schedule_active: bool | None = None, echo: Echo = print,
                     ) -> list[FlowOutcome]:
    """Find the flows in ``targets`` and register each one, reporting a line per flow.

    A file that fails to load, or a flow the server refuses, is reported and the others go
    on. An unreachable server or a refused API key stops the whole run (every other flow
    would fail the same way).

    Args:
        client: the client to register with.
        project_name: the project to register the flows in; it must exist.
        targets: ``.py`` files, folders and importable module names.
        flow_names: register only the flows with these names (all when empty).
        labels: labels to add to every flow.
        set_schedule_active: turn every flow's schedule on or off; None keeps each as it is.
        echo: prints one line of the report.

    Returns:
        One outcome per flow registered, skipped or failed, and per target that failed to
        load.

    Raises:
        ServerUnavailable: the server could not be reached.
        AuthorizationError: the API key was refused.
        ObjectNotFound: the project does not exist.
    """
    from caudal.exceptions import ObjectNotFound
    from caudal.storage.extract import extract_flows

    if not any(project.name == project_name for project in client.list_projects()):
        raise ObjectNotFound(
            f"Project '{project_name}' does not exist; create it with "
            f"'caudal create project \"{project_name}\"' and register again.")
    latest = {version.name: version for version in client.list_flows(project=project_name)}
    wanted = set(flow_names)
    outcomes: list[FlowOutcome] = []
    seen: dict[str, str] = {}
    handled: dict[int, Flow] = {}  # flows already looked at, by id (kept, so ids stay theirs)
    echo("Collecting flows...")
    for target, from_folder in _expand(targets):
        try:
            flows = extract_flows(target)
        except Exception as exc:
            echo(f"Processing '{target}':")
            outcomes.append(FlowOutcome(name="", source=target, error=str(exc)))
            echo(_indent(f"Error: {exc}"))
            continue
        # A package's __init__ and its modules hold the same flow objects: each goes once.
        flows = [flow for flow in flows if id(flow) not in handled]
        handled.update((id(flow), flow) for flow in flows)
        if wanted:
            flows = [flow for flow in flows if flow.name in wanted]
        if not flows and from_folder:
            continue  # a helper module in the repository; not worth a line
        echo(f"Processing '{target}':")
        if not flows:
            echo("  No flows found.")
        for flow in flows:
            outcome = _register_one(client, flow, project_name, target, seen, latest,
                                    labels, set_schedule_active, echo)
            outcomes.append(outcome)
    missing = wanted - {o.name for o in outcomes}
    for name in sorted(missing):
        outcomes.append(FlowOutcome(name=name, source="", error=f"No flow named '{name}' was "
                                    "found in the paths and modules given."))
        echo(f"Error: no flow named '{name}' was found in the paths and modules given.")
    created = sum(1 for o in outcomes if o.result is not None and o.result.status == "created")
    skipped = sum(1 for o in outcomes if o.result is not None and o.result.status == "skipped")
    failed = sum(1 for o in outcomes if o.failed)
    summary = f"{created} registered, {skipped} skipped" + (f", {failed} errored" if failed else "")
    echo(f"{'=' * 20} {summary} {'=' * 20}")
    return outcomes


def _expand(targets: Sequence[str]) -> list[tuple[str, bool]]:
    """Each target, with folders replaced by their ``.py`` files (so that one broken file
    does not stop the others); True marks a file found in a folder."""
    expanded: list[tuple[str, bool]] = []
    files: set[Path] = set()
    for target in targets:
        folder = Path(target).expanduser()
        if not folder.is_dir():
            if folder.is_file():
                if folder.resolve() in files:
                    continue
                files.add(folder.resolve())
            expanded.append((target, False))
            continue
        for file in sorted(folder.rglob("*.py")):
            # As extract_flows searches a folder: no hidden folders, no caches.
            parts = file.relative_to(folder).parts
            if any(part.startswith((".", "__pycache__")) for part in parts):
                continue
            if file.resolve() not in files:
                files.add(file.resolve())
                expanded.append((str(file), True))
    return expanded


def _register_one(client: Client, flow: Flow, project_name: str, target: str,
                  seen: dict[str, str], latest: dict[str, FlowVersion], labels: Iterable[str],
                  set_schedule_active: bool | None, echo: Echo) -> FlowOutcome:
    prefix = f"  Registering '{flow.name}'..."
    if flow.name in seen:
        error = (f"a flow named '{flow.name}' was already registered from '{seen[flow.name]}'; "
                 "flow names must be unique within a project.")
        echo(f"{prefix} Error: {error}")
        return FlowOutcome(name=flow.name, source=target, error=error)
    seen[flow.name] = target
    try:
        result = register_flow(client, flow, project_name, labels=labels,
                               set_schedule_active=set_schedule_active,
                               latest=latest.get(flow.name))
    except (ServerUnavailable, AuthorizationError):
        echo(f"{prefix} Error")
        raise
    except Exception as exc:  # a flow that cannot be stored or is refused; the others go on
        echo(_indent(f"{prefix} Error: {exc}", first=False))
        return FlowOutcome(name=flow.name, source=target, error=str(exc))
    if result.status == "skipped":
        echo(f"{prefix} Skipped (metadata unchanged)")
    else:
        echo(f"{prefix} Done")
    echo(f"  └── ID: {result.flow_id}")
    echo(f"  └── Version: {result.version}")
    return FlowOutcome(name=flow.name, source=target, result=result)


def _indent(text: str, first: bool = True) -> str:
    lines = text.splitlines() or [""]
    head = f"  {lines[0]}" if first else lines[0]
    return "\n".join([head, *(f"    {line}" for line in lines[1:])])


def describe_registration(flow_name: str, project_name: str, result: RegistrationResult,
                          labels: Sequence[str]) -> str:
    """The lines ``Client.register`` prints about one registration."""
    if result.status == "skipped":
        head = (f"Flow '{flow_name}' is unchanged: version {result.version} in project "
                f"'{project_name}' stays current.")
    else:
        head = f"Flow '{flow_name}' registered as version {result.version} in project " \
               f"'{project_name}'."
    lines: list[Any] = [head, f" └── ID: {result.flow_id}", f" └── Labels: {list(labels)}"]
    if result.scheduled_runs:
        lines.append(f" └── Scheduled runs: {result.scheduled_runs}")
    return "\n".join(lines)
