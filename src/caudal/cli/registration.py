"""Finding flows to register and reporting on each: the work of ``caudal register``.

``register_targets`` expands files, folders and module names, loads the flows they define
(``caudal.storage.extract``), registers each through ``client.registration.register_flow``
and prints one report line per flow; a file that fails to load, or a flow the server refuses,
is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from caudal.client.registration import register_flow
from caudal.exceptions import AuthorizationError, ServerUnavailable
from caudal.wire.flows import FlowVersion, RegistrationResult

if TYPE_CHECKING:
    from caudal.client.client import Client
    from caudal.core.flow import Flow

__all__ = ["FlowOutcome", "register_targets"]


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
