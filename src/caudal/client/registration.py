"""Registering a flow: put its code in its storage and send its description to the server.

``register_flow`` does one flow (``flow.register`` and ``Client.register`` use it; the
``caudal register`` command finds the flows in files and folders and calls it for each). A
flow whose hash and labels match the latest version on the server is skipped before its
storage is written, so registering an unchanged flow writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from caudal.wire.flows import FlowVersion, RegistrationResult, registration_key

if TYPE_CHECKING:
    from caudal.client.client import Client
    from caudal.core.flow import Flow

__all__ = ["describe_registration", "flow_labels", "register_flow", "registration_key"]

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
    flow.storage.remove_flow(flow.name)


def _source_of(flow: Flow) -> str | None:
    text = getattr(flow.storage, "flow_sources", {}).get(flow.name)
    if text is None:
        from caudal.storage.extract import find_flow_source

        found = find_flow_source(flow)
        text = found[1] if found else None
    return text if text is not None and len(text) <= MAX_SOURCE_CHARS else None


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
