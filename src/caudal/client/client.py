"""Client: every call to the caudal server, with Prefect 0.15's method names where it has them.

Pipelines call the 0.15 methods (``create_flow_run``, ``get_flow_run_info``,
``set_flow_run_state``, ``register``...) as they always have; the CLI, the backend views and
agents use the plain REST helpers (``list_flows``, ``list_flow_runs``, ``get_logs``...), which
return ``caudal.wire`` models.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter, ValidationError

from caudal.client.info import FlowRunInfoResult
from caudal.client.transport import (
    DEFAULT_BACKOFF_S,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    Transport,
    config_value,
    resolve_api_key,
    resolve_api_url,
    safe_url,
)
from caudal.exceptions import ClientError, NotAvailableError, ObjectNotFound
from caudal.serialization.states import state_from_wire, state_to_wire
from caudal.utilities.graphql import GraphQLResult, parse_graphql
from caudal.wire._base import Page
from caudal.wire.agents import Agent
from caudal.wire.flows import FlowRegistration, FlowVersion, RegistrationResult, ScheduleState
from caudal.wire.logs import LogRecord
from caudal.wire.projects import Project
from caudal.wire.runs import FlowRun, FlowRunCreate, RunWait, StateRecord, TaskRun
from caudal.wire.secrets import SecretInfo, SecretValue

if TYPE_CHECKING:
    from caudal.core.flow import Flow
    from caudal.engine.state import State

__all__ = ["Client"]


class Client:
    """A connection to one caudal server.

    The server's address comes from ``api_server``, else the ``CAUDAL_API`` variable, else
    ``config.api.url`` (``CAUDAL__API__URL``), else ``http://127.0.0.1:4200``. The API key
    comes from ``api_key``, else ``CAUDAL_API_KEY``, else ``config.api.key``; without one,
    no ``Authorization`` header is sent. Requests that cannot reach the server are retried
    with exponential backoff (5 attempts over about 8 s by default), then raise
    ``ServerUnavailable``.

    Args:
        api_server: the server's base URL (``http://host:4200``).
        api_key: the API key to send as ``Authorization: Bearer <key>``.
        retries: how many times to retry a request that could not reach the server
            (else ``config.api.retries``, else 4).
        backoff_s: seconds before the first retry; each later wait doubles, up to 8 s
            (else ``config.api.backoff_s``, else 0.5).
        timeout: seconds to wait for the answer to one request (else
            ``config.api.timeout_s``, else 30).

    Raises:
        ValueError: the server URL is not an http(s) address.

    Example::

        from caudal import Client

        client = Client("http://127.0.0.1:4200")
        run_id = client.create_flow_run(version_group_id=flow_group_id,
                                        parameters={"n_users": 10})
        print(client.get_flow_run_info(run_id).state)
    """

    def __init__(self, api_server: str | None = None, api_key: str | None = None, *,
                 retries: int | None = None, backoff_s: float | None = None,
                 timeout: float | None = None) -> None:
        self.api_server = resolve_api_url(api_server)
        self._transport = Transport(
            self.api_server, resolve_api_key(api_key),
            retries=int(_setting(retries, "retries", DEFAULT_RETRIES)),
            backoff_s=float(_setting(backoff_s, "backoff_s", DEFAULT_BACKOFF_S)),
            timeout=float(_setting(timeout, "timeout_s", DEFAULT_TIMEOUT_S)))

    def __repr__(self) -> str:
        return f"<Client: {safe_url(self.api_server)}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections the client keeps open to the server."""
        self._transport.close()

    # --- plumbing ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, json_body: Any = None, params: Any = None,
              idempotent: bool | None = None, timeout: float | None = None,
              headers: dict[str, str] | None = None) -> Any:
        """Send a request; return its decoded JSON, or None for an empty answer (204)."""
        response = self._transport.request(method, path, json_body=json_body, params=params,
                                           idempotent=idempotent, timeout=timeout,
                                           headers=headers)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ClientError(
                f"The server at {safe_url(self.api_server)} answered {method} {path} with something "
                "that is not JSON; is CAUDAL_API the address of a caudal server?",
                status_code=response.status_code, url=str(response.request.url)) from exc

    def _parse(self, kind: Any, data: Any, what: str) -> Any:
        try:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                return kind.model_validate(data)
            return TypeAdapter(kind).validate_python(data)
        except ValidationError as exc:
            raise ClientError(
                f"The server at {safe_url(self.api_server)} sent {what} that this client cannot read "
                f"({exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}); run the "
                "same caudal version on the server and here.") from exc

    # --- GraphQL ------------------------------------------------------------------------------

    def graphql(self, query: Any, raise_on_error: bool = True,
                headers: dict[str, str] | None = None,
                variables: Mapping[str, Any] | None = None, token: str | None = None,
                retry_on_api_error: bool = True) -> GraphQLResult:
        """Send a GraphQL query or mutation to the server's ``/graphql`` (Prefect Server's
        schema, the subset caudal answers).

        Args:
            query: the query as text, or as nested dicts, lists and sets (Prefect's
                ``parse_graphql`` form).
            raise_on_error: raise ``ClientError`` when the answer holds ``errors``.
            headers: extra headers to send.
            variables: the values of the query's variables.
            token: an API key to use instead of the client's.
            retry_on_api_error: Prefect's; kept for its signature. Like every POST, the
                request is sent again only when it cannot have reached the server (a
                mutation is not harmless to repeat).

        Returns:
            The answer, read as ``result["data"]["flow_run"]`` or ``result.data.flow_run``.

        Raises:
            ClientError: the answer holds errors (with ``raise_on_error``), naming them.
            AuthorizationError: no key, or a key whose role may not make the mutation.
        """
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        answer = self._call("POST", "/graphql",
                            json_body={"query": query if isinstance(query, str)
                                       else parse_graphql(query),
                                       "variables": dict(variables or {})},
                            headers=sent)
        if not isinstance(answer, dict):
            raise ClientError(f"The server at {safe_url(self.api_server)} answered /graphql "
                              "with something that is not a GraphQL answer.")
        errors = answer.get("errors")
        if raise_on_error and errors:
            messages = "; ".join(str(error.get("message", error)) for error in errors)
            raise ClientError(f"GraphQL error: {messages}", status_code=200,
                              url=f"{self.api_server}/graphql", detail=errors)
        return GraphQLResult(answer)

    # --- the server ---------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The server's ``/health`` answer: status, version, database and services."""
        return dict(self._call("GET", "/health"))

    # --- projects -----------------------------------------------------------------------------

    def list_projects(self) -> list[Project]:
        """Every project on the server."""
        return self._parse(list[Project], self._call("GET", "/api/projects"), "projects")

    def create_project(self, project_name: str, project_description: str | None = None) -> str:
        """Create a project and return its id (Prefect 0.15's signature).

        Raises:
            ClientError: a project of that name exists (``status_code`` 409).
        """
        body = {"name": project_name, "description": project_description}
        data = self._call("POST", "/api/projects", json_body=body)
        return self._parse(Project, data, "a project").id

    # --- secrets ------------------------------------------------------------------------------

    def set_secret(self, name: str, value: Any) -> None:
        """Store ``value`` as the server's secret ``name`` (an admin key is needed). A value
        that is not text is sent as JSON text, which ``Secret.get`` parses back (Prefect 0.15's
        signature).

        Raises:
            AuthorizationError: the key is not an admin's.
        """
        text = value if isinstance(value, str) else json.dumps(value)
        self._call("PUT", _secret_path(name), json_body={"value": text}, idempotent=True)

    def get_secret(self, name: str) -> str:
        """The text of the server's secret ``name`` (a runner or admin key is needed).

        Raises:
            ObjectNotFound: no secret has that name.
            AuthorizationError: the key is a viewer's.
        """
        data = self._call("GET", _secret_path(name))
        return self._parse(SecretValue, data, "a secret").value

    def list_secrets(self) -> list[str]:
        """The names of the server's secrets, sorted (never their values)."""
        data = self._call("GET", "/api/secrets")
        return [info.name for info in self._parse(list[SecretInfo], data, "secrets")]

    def delete_secret(self, name: str) -> bool:
        """Delete the server's secret ``name`` (an admin key is needed); True when done.

        Raises:
            ObjectNotFound: no secret has that name.
        """
        self._call("DELETE", _secret_path(name), idempotent=True)
        return True

    # --- flows --------------------------------------------------------------------------------

    def register(self, flow: Flow, project_name: str | None = None, build: bool = True,
                 set_schedule_active: bool | None = None, version_group_id: str | None = None,
                 compressed: bool = True, no_url: bool = False,
                 idempotency_key: str | None = None, labels: Iterable[str] | None = None
                 ) -> str:
        """Register ``flow`` in ``project_name`` and return the id of its current version.

        The flow's code goes to its storage (``Local()`` when it has none) and its
        description to the server. An unchanged flow (same hash and labels as the latest
        version) is skipped, and the latest version's id is returned. Unless ``no_url``,
        prints what happened.

        Args:
            flow: the flow to register.
            project_name: the project to register it in; it must exist.
            build: put the flow in its storage first (False when it is there already).
            set_schedule_active: turn its schedule on or off; None (unlike Prefect 0.15's
                True) keeps the switch as it is on the server, so that a re-registration
                never flips it.
            version_group_id: accepted for Prefect 0.15 code; a flow's group is its
                project and name.
            compressed: accepted for Prefect 0.15 code; unused.
            no_url: print nothing.
            idempotency_key: the server skips the registration when the latest version
                was registered with the same key.
            labels: labels to add to those of the flow's run config and storage.

        Returns:
            The flow version's id.

        Raises:
            TypeError: no ``project_name``.
            ObjectNotFound: the project does not exist.
            ClientError: the server refused the flow, or could not be reached.
        """
        from caudal.client.registration import describe_registration, flow_labels, register_flow

        if not project_name:
            raise TypeError(f"Registering flow '{flow.name}' needs project_name: the project "
                            "to register it in (create one with 'caudal create project NAME').")
        result = register_flow(self, flow, project_name, build=build, labels=labels,
                               set_schedule_active=set_schedule_active,
                               idempotency_key=idempotency_key)
        if not no_url:
            print(describe_registration(flow.name, project_name, result,
                                        flow_labels(flow, labels)))
        return result.flow_id

    def register_flow(self, registration: FlowRegistration | Mapping[str, Any]
                      ) -> RegistrationResult:
        """Send one flow's registration (``POST /api/flows/register``) as it is."""
        # The server compares hashes, so a repeated registration is skipped: safe to retry.
        data = self._call("POST", "/api/flows/register", json_body=registration,
                          idempotent=True)
        return self._parse(RegistrationResult, data, "a registration result")

    def list_flows(self, project: str | None = None, name: str | None = None,
                   include_archived: bool = False,
                   flow_group_id: str | None = None) -> list[FlowVersion]:
        """The latest version of each flow (every version with ``include_archived``)."""
        params = {"project": project, "name": name, "include_archived": include_archived,
                  "flow_group_id": flow_group_id}
        return self._parse(list[FlowVersion], self._call("GET", "/api/flows", params=params),
                           "flows")

    def get_flow(self, flow_id: str) -> FlowVersion:
        """One flow version.

        Raises:
            ObjectNotFound: no flow version has that id.
        """
        return self._parse(FlowVersion, self._call("GET", f"/api/flows/{flow_id}"), "a flow")

    def list_flow_versions(self, flow_id: str) -> list[FlowVersion]:
        """Every version of the flow that version ``flow_id`` belongs to."""
        data = self._call("GET", f"/api/flows/{flow_id}/versions")
        return self._parse(list[FlowVersion], data, "flow versions")

    def get_latest_flow_version(self, flow_group_id: str) -> FlowVersion:
        """The latest unarchived version of the flow group ``flow_group_id``.

        Raises:
            ObjectNotFound: no flow of that group is on the server, or all its versions are
                archived.
        """
        for version in self.list_flows(flow_group_id=flow_group_id):
            return version
        raise ObjectNotFound(f"No flow with flow group id '{flow_group_id}' (version group id "
                             "in Prefect 0.15) has an unarchived version on the server.")

    def archive_flow(self, flow_id: str) -> FlowVersion:
        """Archive flow version ``flow_id``; its scheduled runs are no longer started."""
        data = self._call("POST", f"/api/flows/{flow_id}/archive", idempotent=True)
        return self._parse(FlowVersion, data, "a flow")

    def set_schedule_active(self, flow_id: str, active: bool) -> ScheduleState:
        """Turn the schedule of the flow that version ``flow_id`` belongs to on or off."""
        action = "activate" if active else "deactivate"
        data = self._call("POST", f"/api/flows/{flow_id}/schedule/{action}", idempotent=True)
        return self._parse(ScheduleState, data, "a schedule state")

    # --- flow runs ----------------------------------------------------------------------------

    def create_flow_run(self, flow_id: str | None = None, context: dict[str, Any] | None = None,
                        parameters: dict[str, Any] | None = None, run_config: Any = None,
                        labels: Iterable[str] | None = None,
                        version_group_id: str | None = None,
                        idempotency_key: str | None = None,
                        scheduled_start_time: datetime.datetime | None = None,
                        run_name: str | None = None,
                        parent_flow_run_id: str | None = None) -> str:
        """Create a run of a flow and return its id (Prefect 0.15's signature).

        Args:
            flow_id: the flow version to run.
            context: context values for the run.
            parameters: parameter values for the run.
            run_config: not available yet: a run uses its flow's run config.
            labels: the run's labels; None takes the flow's.
            version_group_id: the flow group to run the latest version of (instead of
                ``flow_id``).
            idempotency_key: a run created with the same key is returned instead of a new
                one.
            scheduled_start_time: when the run is due (naive times are UTC); now if None.
            run_name: the run's name; the server picks one if None.
            parent_flow_run_id: the flow run that starts this one (flows of flows).

        Returns:
            The flow run's id.

        Raises:
            ValueError: neither or both of ``flow_id`` and ``version_group_id``.
            ObjectNotFound: no such flow.
            NotAvailableError: ``run_config`` was given.
        """
        if (flow_id is None) == (version_group_id is None):
            raise ValueError("create_flow_run needs exactly one of flow_id (a flow version) "
                             "and version_group_id (the latest version of a flow group).")
        if run_config is not None:
            raise NotAvailableError("create_flow_run(run_config=...)", "a later release; a run "
                                    "uses its flow's run config")
        if version_group_id is not None:
            flow_id = self.get_latest_flow_version(version_group_id).id
        run = self.schedule_flow_run({
            "flow_id": flow_id, "parameters": parameters or {}, "context": context or {},
            "labels": None if labels is None else sorted(set(labels)), "run_name": run_name,
            "idempotency_key": idempotency_key, "scheduled_start_time": scheduled_start_time,
            "parent_flow_run_id": parent_flow_run_id,
        })
        return run.id

    def schedule_flow_run(self, spec: FlowRunCreate | Mapping[str, Any]) -> FlowRun:
        """Create a flow run (``POST /api/flow-runs``): by ``flow_id``, or by ``flow_name`` and
        ``project`` for the latest version.

        Without an ``idempotency_key`` the client gives the run one, so that retrying after
        a lost answer returns the same run instead of starting a second.
        """
        body = spec.model_dump(exclude_unset=True) if isinstance(spec, BaseModel) else dict(spec)
        if not body.get("idempotency_key"):
            body["idempotency_key"] = f"client-{uuid.uuid4().hex}"
        data = self._call("POST", "/api/flow-runs", json_body=body, idempotent=True)
        return self._parse(FlowRun, data, "a flow run")

    def why_flow_run_waits(self, flow_run_id: str) -> RunWait:
        """Why a flow run has not started, as the server sees it (``reasons``, sentences).

        Raises:
            ObjectNotFound: no flow run has that id.
        """
        return self._parse(RunWait, self._call("GET", f"/api/flow-runs/{flow_run_id}/why"),
                           "the reasons a run waits")

    def get_flow_run(self, flow_run_id: str) -> FlowRun:
        """One flow run.

        Raises:
            ObjectNotFound: no flow run has that id.
        """
        return self._parse(FlowRun, self._call("GET", f"/api/flow-runs/{flow_run_id}"),
                           "a flow run")

    def get_flow_run_info(self, flow_run_id: str) -> FlowRunInfoResult:
        """A flow run with its state as an engine ``State`` and its task runs (Prefect 0.15)."""
        run = self.get_flow_run(flow_run_id)
        return FlowRunInfoResult.from_wire(run, self.get_task_runs(flow_run_id))

    def list_flow_runs(self, flow_id: str | None = None, flow_group_id: str | None = None,
                       flow_name: str | None = None, project: str | None = None,
                       states: Iterable[str] | None = None, limit: int | None = None,
                       cursor: str | None = None,
                       parent_flow_run_id: str | None = None) -> Page[FlowRun]:
        """A page of flow runs, newest first; pass ``next_cursor`` as ``cursor`` for the next.
        ``parent_flow_run_id`` lists the runs that flow run started."""
        params = {"flow_id": flow_id, "flow_group_id": flow_group_id, "flow_name": flow_name,
                  "project": project, "state": list(states or ()), "limit": limit,
                  "cursor": cursor, "parent_flow_run_id": parent_flow_run_id}
        return self._parse(Page[FlowRun], self._call("GET", "/api/flow-runs", params=params),
                           "flow runs")

    def set_flow_run_name(self, flow_run_id: str, name: str) -> bool:
        """Rename a flow run; True when done."""
        self._call("PATCH", f"/api/flow-runs/{flow_run_id}", json_body={"name": name})
        return True

    def get_flow_run_state(self, flow_run_id: str) -> State:
        """The flow run's current state, as an engine ``State``."""
        run = self.get_flow_run(flow_run_id)
        return state_from_wire(run.state, run.state_message, run.state_timestamp,
                               run.scheduled_start_time)

    def set_flow_run_state(self, flow_run_id: str, state: State | str,
                           version: int | None = None, message: str | None = None) -> State:
        """Put a flow run in ``state`` (a ``State`` or a state name); return its new state.

        Args:
            flow_run_id: the flow run.
            state: the new state; its message goes along.
            version: apply only if the run is still at this state version (409 otherwise).
            message: the state's message (instead of the State's own).

        Raises:
            ValueError: ``state`` names no state the server knows.
            ClientError: the server refused the change (409: another writer got there
                first, or the transition is not allowed).
        """
        body = state_to_wire(state, message)
        if version is not None:
            body["version"] = version
        data = self._call("POST", f"/api/flow-runs/{flow_run_id}/state", json_body=body)
        run = self._parse(FlowRun, data, "a flow run")
        return state_from_wire(run.state, run.state_message, run.state_timestamp,
                               run.scheduled_start_time)

    def get_flow_run_states(self, flow_run_id: str) -> list[StateRecord]:
        """Every state the flow run has been in, oldest first."""
        data = self._call("GET", f"/api/flow-runs/{flow_run_id}/states")
        return self._parse(list[StateRecord], data, "states")

    def cancel_flow_run(self, flow_run_id: str) -> bool:
        """Cancel a flow run (one not started yet at once, a running one is asked to stop).

        Returns:
            True: the run is now Cancelled or Cancelling.

        Raises:
            ClientError: (409) the run finished before it could be cancelled.
            ObjectNotFound: no such flow run.
        """
        data = self._call("POST", f"/api/flow-runs/{flow_run_id}/cancel", idempotent=True)
        run = self._parse(FlowRun, data, "a flow run")
        return run.state in ("Cancelled", "Cancelling")

    def restart_flow_run(self, flow_run_id: str) -> FlowRun:
        """Run a Failed flow run again from where it failed (Prefect 0.15's "restart"): it
        becomes Scheduled, keeps its id, and its next run process runs only the task runs
        that did not succeed, reading the others' values from their recorded locations.

        Returns:
            The run, Scheduled.

        Raises:
            ClientError: (409) the run is not Failed (a failed kind of state: Failed,
                TimedOut, TriggerFailed), or it changed meanwhile.
            ObjectNotFound: no such flow run.
        """
        from caudal.wire.states import FAILED_STATES, RESTARTED_MESSAGE

        run = self.get_flow_run(flow_run_id)
        if run.state not in FAILED_STATES:
            raise ClientError(f"Flow run '{run.name}' ({run.id}) is {run.state}: only a failed "
                              "run restarts from where it failed.", status_code=409)
        data = self._call("POST", f"/api/flow-runs/{flow_run_id}/state", json_body={
            "state": "Scheduled", "version": run.version,
            "message": RESTARTED_MESSAGE})
        return self._parse(FlowRun, data, "a flow run")

    def delete_flow_run(self, flow_run_id: str) -> bool:
        """Delete a flow run with its task runs and logs; True when done."""
        self._call("DELETE", f"/api/flow-runs/{flow_run_id}")
        return True

    def update_flow_run_heartbeat(self, flow_run_id: str) -> FlowRun:
        """Tell the server the flow run is alive; return the run as it is now (a run whose
        state is Cancelling should be stopped).

        Raises:
            ClientError: (409) the run has finished; its process should stop.
        """
        data = self._call("POST", f"/api/flow-runs/{flow_run_id}/heartbeat", idempotent=True)
        return self._parse(FlowRun, data, "a flow run")

    # --- task runs ----------------------------------------------------------------------------

    def get_task_runs(self, flow_run_id: str) -> list[TaskRun]:
        """Every task run of a flow run."""
        data = self._call("GET", f"/api/flow-runs/{flow_run_id}/task-runs")
        return self._parse(list[TaskRun], data, "task runs")

    def set_task_run_states(self, batch: list[dict[str, Any]] | bytes,
                            idempotency_key: str | None = None) -> int:
        """Send a batch of task-run states (dicts with ``TaskRunState``'s keys, or ``bytes``
        holding them as a JSON array already); return how many the server wrote (for a batch
        whose key it has seen: how many it wrote then).

        The dicts go as they are, with no model built per item: runners send thousands.
        A sender that may send the same batch again later (a spool) gives it a key of its
        own; otherwise each call gets a new one.
        """
        if not batch:
            return 0
        # The batch's key makes the server write it once however often it is sent, so it is
        # retried even when an attempt may have arrived.
        data = self._call("POST", "/api/task-runs/states", json_body=batch, idempotent=True,
                          headers={"Idempotency-Key": idempotency_key or _batch_key()})
        return int(data["written"]) if isinstance(data, dict) else len(batch)

    # --- logs ---------------------------------------------------------------------------------

    def write_run_logs(self, logs: list[dict[str, Any]] | bytes,
                       idempotency_key: str | None = None) -> int:
        """Send a batch of log lines (dicts with ``LogLine``'s keys: ``flow_run_id``,
        ``timestamp``, ``level``, ``message`` and optionally ``task_slug``, ``map_index``,
        ``name``; or ``bytes`` holding them as a JSON array already); return how many the
        server wrote (for a batch whose key it has seen: how many it wrote then).
        ``idempotency_key`` as for ``set_task_run_states``.
        """
        if not logs:
            return 0
        # The batch's key makes the server write it once however often it is sent, so it is
        # retried even when an attempt may have arrived.
        data = self._call("POST", "/api/logs", json_body=logs, idempotent=True,
                          headers={"Idempotency-Key": idempotency_key or _batch_key()})
        return int(data["written"]) if isinstance(data, dict) else len(logs)

    def get_logs(self, flow_run_id: str, level: int | None = None, text: str | None = None,
                 cursor: str | None = None, limit: int | None = None) -> Page[LogRecord]:
        """A page of a flow run's log lines, oldest first.

        Args:
            flow_run_id: the flow run.
            level: only lines at this level or above (``logging.INFO`` is 20).
            text: only lines whose message contains this text.
            cursor: ``next_cursor`` of the previous page.
            limit: at most this many lines.
        """
        params = {"level": level, "text": text, "cursor": cursor, "limit": limit}
        data = self._call("GET", f"/api/flow-runs/{flow_run_id}/logs", params=params)
        return self._parse(Page[LogRecord], data, "log lines")

    # --- agents -------------------------------------------------------------------------------

    def register_agent(self, agent_type: str, name: str | None = None,
                       labels: Iterable[str] | None = None, agent_config_id: str | None = None
                       ) -> str:
        """Register an agent and return its id (Prefect 0.15's signature).

        ``agent_config_id`` is accepted for Prefect 0.15 code and unused.
        """
        return self.register_agent_record(agent_type, name, labels).id

    def register_agent_record(self, agent_type: str, name: str | None = None,
                              labels: Iterable[str] | None = None,
                              limit: int | None = None) -> Agent:
        """Register an agent and return what the server keeps of it; ``limit`` is its limit
        of runs at once (None: no limit)."""
        body: dict[str, Any] = {"agent_type": agent_type, "name": name or agent_type,
                                "labels": sorted(set(labels or ()))}
        if limit is not None:
            body["limit"] = limit
        data = self._call("POST", "/api/agents", json_body=body)
        return self._parse(Agent, data, "an agent")

    def list_agents(self) -> list[Agent]:
        """Every agent the server knows."""
        return self._parse(list[Agent], self._call("GET", "/api/agents"), "agents")

    def update_agent_heartbeat(self, agent_id: str, running: int | None = None,
                               limit: int | None = None, stopping: bool | None = None) -> None:
        """Tell the server the agent is alive and, if given, how many runs it is running,
        its limit of runs (None: no limit), and that it is shutting down (``stopping``: its
        claims take nothing from then on, and one waiting now returns at once)."""
        body: dict[str, Any] | None = None
        if running is not None or limit is not None:
            body = {"running": running, "limit": limit}
        if stopping is not None:
            body = {**(body or {}), "stopping": stopping}
        self._call("POST", f"/api/agents/{agent_id}/heartbeat", json_body=body,
                   idempotent=True)

    def claim_flow_runs(self, agent_id: str, limit: int = 10, wait_s: float = 0.0
                        ) -> list[FlowRun]:
        """Claim up to ``limit`` due runs whose labels the agent has, waiting up to ``wait_s``
        seconds for one to come due."""
        data = self._call("POST", f"/api/agents/{agent_id}/claim",
                          json_body={"limit": limit, "wait_s": wait_s},
                          timeout=self._transport.timeout + wait_s)
        return self._parse(list[FlowRun], data, "flow runs")


def _setting(given: Any, key: str, default: Any) -> Any:
    """The argument if given, else ``config.api.<key>``, else the default."""
    if given is not None:
        return given
    configured = config_value(key)
    return default if configured is None else configured


def _secret_path(name: str) -> str:
    return f"/api/secrets/{quote(name, safe='')}"


def _batch_key() -> str:
    """A new ``Idempotency-Key`` for one batch: the same for all of its attempts."""
    return f"batch-{uuid.uuid4().hex}"
