"""FlowView: a registered flow version, as the server describes it (Prefect 0.15's path)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from caudal.exceptions import ObjectNotFound
from caudal.wire.flows import FlowVersion

if TYPE_CHECKING:
    from caudal.client.client import Client

__all__ = ["FlowView", "ensure_client"]


class FlowView:
    """A snapshot of one registered flow version.

    Build one with ``from_flow_id``, ``from_flow_name`` or ``from_flow_group_id``; each
    takes an optional ``client`` (a ``Client()`` from the environment otherwise).

    Attributes:
        flow_id: the version's id (what ``create_flow_run(flow_id=...)`` takes).
        flow_group_id: the id shared by every version of the flow (``version_group_id``).
        name, project_name, version, labels, archived: what they say.
        parameters: the flow's parameters (name, default, required).
        schedule, storage, run_config: their JSON descriptions, as registered.
        schedule_active: whether the server creates runs from the schedule.
        created: when this version was registered.

    Example::

        from caudal.backend import FlowView

        flow = FlowView.from_flow_name("iptu_diario", project_name="tributos")
        print(flow.version, flow.labels)
    """

    def __init__(self, flow_id: str, flow_group_id: str, name: str, project_name: str,
                 version: int, labels: list[str], archived: bool = False,
                 parameters: list[dict[str, Any]] | None = None,
                 schedule: dict[str, Any] | None = None, schedule_active: bool = False,
                 storage: dict[str, Any] | None = None,
                 run_config: dict[str, Any] | None = None,
                 created: datetime.datetime | None = None) -> None:
        self.flow_id = flow_id
        self.flow_group_id = flow_group_id
        self.name = name
        self.project_name = project_name
        self.version = version
        self.labels = labels
        self.archived = archived
        self.parameters = parameters or []
        self.schedule = schedule
        self.schedule_active = schedule_active
        self.storage = storage
        self.run_config = run_config
        self.created = created

    @classmethod
    def from_wire(cls, version: FlowVersion) -> FlowView:
        """The view of a flow version the server described."""
        return cls(
            flow_id=version.id, flow_group_id=version.flow_group_id, name=version.name,
            project_name=version.project, version=version.version, labels=list(version.labels),
            archived=version.archived,
            parameters=[p.model_dump() for p in version.parameters],
            schedule=version.schedule, schedule_active=version.schedule_active,
            storage=version.storage, run_config=version.run_config, created=version.created,
        )

    @classmethod
    def from_flow_id(cls, flow_id: str, client: Client | None = None) -> FlowView:
        """The flow version with id ``flow_id``.

        Raises:
            ObjectNotFound: no flow version has that id.
        """
        return cls.from_wire(ensure_client(client).get_flow(flow_id))

    @classmethod
    def from_flow_group_id(cls, flow_group_id: str, client: Client | None = None) -> FlowView:
        """The latest unarchived version of the flow group ``flow_group_id``.

        Raises:
            ObjectNotFound: no such flow group, or every version of it is archived.
        """
        return cls.from_wire(ensure_client(client).get_latest_flow_version(flow_group_id))

    @classmethod
    def from_flow_name(cls, flow_name: str, project_name: str = "", last_updated: bool = False,
                       client: Client | None = None) -> FlowView:
        """The latest unarchived version of the flow named ``flow_name``.

        Args:
            flow_name: the flow's name.
            project_name: its project; may be left empty when only one project has a flow
                of that name.
            last_updated: when several projects have a flow of that name, take the one
                registered last instead of failing.
            client: the client to ask with.

        Raises:
            ObjectNotFound: no flow of that name (in that project).
            ValueError: several projects have a flow of that name and neither
                ``project_name`` nor ``last_updated`` says which.
        """
        found = ensure_client(client).list_flows(project=project_name or None, name=flow_name)
        where = f" in project '{project_name}'" if project_name else ""
        if not found:
            raise ObjectNotFound(f"No flow named '{flow_name}'{where} is registered; see "
                                 "'caudal flows ls' for the flows there are.")
        if len(found) > 1 and not last_updated:
            projects = ", ".join(repr(v.project) for v in found)
            raise ValueError(f"Flows named '{flow_name}' are registered in several projects "
                             f"({projects}); pass project_name, or last_updated=True for the "
                             "one registered last.")
        return cls.from_wire(max(found, key=lambda v: v.created))

    def __repr__(self) -> str:
        return (f"FlowView(flow_id={self.flow_id!r}, name={self.name!r}, "
                f"project_name={self.project_name!r}, version={self.version})")


def ensure_client(client: Client | None) -> Client:
    """``client``, or a ``Client()`` from the environment when it is None."""
    if client is not None:
        return client
    from caudal.client import Client

    return Client()
