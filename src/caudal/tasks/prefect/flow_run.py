"""create_flow_run, wait_for_flow_run, get_task_run_result and StartFlowRun: flows of flows.

A flow starts runs of registered flows through the server; agents run them like any other
run. Inside a backend run, a run started this way records the run that started it (its
parent), and is created once however often the task runs (its key is the task run's id), as
Prefect 0.15's were::

    from caudal import Flow, unmapped
    from caudal.tasks.prefect import create_flow_run, wait_for_flow_run

    with Flow("parent") as flow:
        runs = create_flow_run.map(flow_name=unmapped("child"), parameters=[{"n": 1}, {"n": 2}])
        wait_for_flow_run.map(runs, stream_logs=unmapped(True), raise_final_state=unmapped(True))
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from typing import Any

from caudal.core.task import Task
from caudal.engine.signals import signal_from_state
from caudal.utilities.context import context as _context
from caudal.utilities.tasks import defaults_from_attrs, task

__all__ = ["StartFlowRun", "create_flow_run", "get_task_run_result", "wait_for_flow_run"]


def _client() -> Any:
    from caudal.client import Client

    return Client()


def _logger() -> Any:
    from caudal.utilities.logging import get_logger

    return _context.get("logger") or get_logger()


def _flow_to_run(client: Any, flow_id: str | None, flow_name: str | None,
                 project_name: str | None) -> tuple[str, str]:
    """The id and name of the flow version to run: ``flow_id`` (a version, or a flow
    group's latest), or the latest version of the flow named ``flow_name`` (in
    ``project_name`` when given)."""
    from caudal.backend import FlowView
    from caudal.exceptions import ObjectNotFound

    if flow_id:
        try:
            version = client.get_flow(flow_id)
        except ObjectNotFound:
            version = client.get_latest_flow_version(flow_id)  # a flow group's id
        return version.id, version.name
    view = FlowView.from_flow_name(str(flow_name), project_name or "", client=client)
    return view.flow_id, view.name


def _parent() -> str | None:
    """The run this task runs in, when it is a run of the server."""
    return _context.get("flow_run_id") if _context.get("running_with_backend") else None


def _start(client: Any, flow_id: str, *, parameters: dict[str, Any] | None,
           context: dict[str, Any] | None, labels: Iterable[str] | None,
           run_name: str | None, run_config: Any, scheduled_start_time: Any,
           idempotency_key: str | None) -> str:
    if idempotency_key is None:
        # A task run that runs again (a retry, a restart) finds the run it started.
        idempotency_key = _context.get("task_run_id")
    return client.create_flow_run(
        flow_id=flow_id, parameters=parameters, context=context, labels=labels,
        run_name=run_name, run_config=run_config, scheduled_start_time=scheduled_start_time,
        idempotency_key=idempotency_key, parent_flow_run_id=_parent())


@task
def create_flow_run(flow_id: str | None = None, flow_name: str | None = None,
                    project_name: str = "", parameters: dict[str, Any] | None = None,
                    context: dict[str, Any] | None = None, labels: Iterable[str] | None = None,
                    run_name: str | None = None, run_config: Any = None,
                    scheduled_start_time: datetime.datetime | None = None,
                    idempotency_key: str | None = None) -> str:
    """Start a run of a registered flow through the server; its id.

    An agent whose labels match runs it. Inside a backend run the new run records this run
    as its parent.

    Args:
        flow_id: the flow version (or flow group) to run.
        flow_name: the name of the flow to run (its latest version); instead of ``flow_id``.
        project_name: the project of ``flow_name``, when flows of that name are in several.
        parameters: the run's parameters.
        context: values for the run's context.
        labels: the run's labels; the flow's when None.
        run_name: the run's name; ``<this run's name>-<flow name>`` when None.
        run_config: not available yet: the run uses its flow's run config.
        scheduled_start_time: when the run is due; now when None.
        idempotency_key: runs created with the same key are one run; this task run's id
            when None, so that a task that runs again does not start a second run.

    Raises:
        ValueError: both or neither of ``flow_id`` and ``flow_name``.
    """
    if flow_id and flow_name:
        raise ValueError("create_flow_run takes flow_id or flow_name, not both: pass the one "
                         "that names the flow to run.")
    if not flow_id and not flow_name:
        raise ValueError("create_flow_run needs the flow to run: pass flow_id or flow_name.")
    client = _client()
    flow_id, name = _flow_to_run(client, flow_id, flow_name, project_name)
    if not run_name and _context.get("flow_run_name"):
        run_name = f"{_context.get('flow_run_name')}-{name}"
    logger = _logger()
    logger.info("Starting a run of flow %r (%s)...", name,
                f"named {run_name!r}" if run_name else "the server names it")
    flow_run_id = _start(client, flow_id, parameters=parameters, context=context,
                         labels=labels, run_name=run_name, run_config=run_config,
                         scheduled_start_time=scheduled_start_time,
                         idempotency_key=idempotency_key)
    logger.info("Started flow run %s of flow %r.", flow_run_id, name)
    return flow_run_id


@task
def wait_for_flow_run(flow_run_id: str, stream_states: bool = True, stream_logs: bool = False,
                      raise_final_state: bool = False) -> Any:
    """Wait for a flow run to finish, logging its state changes and (``stream_logs``) its
    log lines here as they come; the run's ``FlowRunView``.

    Args:
        flow_run_id: the run to wait for.
        stream_states: log each state the run enters.
        stream_logs: log the run's own log lines, at their level.
        raise_final_state: end this task in the run's final state (a failed run fails it).
    """
    from caudal.backend import FlowRunView, watch_flow_run

    client = _client()
    view = FlowRunView.from_flow_run_id(flow_run_id, client=client)
    logger = _logger()
    for line in watch_flow_run(flow_run_id, stream_states=stream_states,
                               stream_logs=stream_logs, client=client):
        logger.log(line.level, "Flow run %r: %s", view.name, line.message)
    view = view.get_latest()
    if raise_final_state:
        raise signal_from_state(view.state)(
            f"Flow run {view.name!r} ({flow_run_id}) finished in state {view.state!r}.",
            result=view)
    return view


@task
def get_task_run_result(flow_run_id: str, task_slug: str, map_index: int = -1,
                        poll_time: int = 5) -> Any:
    """The value a task returned in another flow run, read from where it was stored, once
    that run has finished.

    Args:
        flow_run_id: the flow run the task ran in.
        task_slug: the task's slug (``extract-1``).
        map_index: the mapped child to read; for a mapped task, -1 reads every child's value
            (a list).
        poll_time: seconds between looks at the run while it is not finished.

    Raises:
        ValueError: no slug, or the flow run is this one (it would wait for itself).
    """
    if not task_slug:
        raise ValueError("get_task_run_result needs the task's slug (task_slug), e.g. "
                         "'extract-1'.")
    if flow_run_id == _context.get("flow_run_id"):
        raise ValueError("get_task_run_result reads a task's value from another flow run: "
                         "this one would wait for itself to finish.")
    from caudal.backend import FlowRunView
    from caudal.wire.states import is_finished

    client = _client()
    view = FlowRunView.from_flow_run_id(flow_run_id, client=client)
    while not is_finished(type(view.state).__name__):
        _logger().debug("Waiting for flow run %s to finish before reading %s...",
                        flow_run_id, task_slug)
        time.sleep(poll_time)
        view = view.get_latest()
    return read_task_run_result(client, flow_run_id, task_slug, map_index)


def read_task_run_result(client: Any, flow_run_id: str, task_slug: str,
                         map_index: int = -1) -> Any:
    """The value task run ``task_slug`` (``map_index``) of a flow run returned, read with
    the Result its flow stored it with (the flow is loaded from its storage); for a mapped
    task with ``map_index`` -1, the list of its children's values (``TaskRunView.get_result``
    reads with it too)."""
    from caudal.engine.cloud.flow_runner import load_flow

    flow = load_flow(client.get_flow(client.get_flow_run(flow_run_id).flow_id))
    matching = flow.get_tasks(slug=task_slug)
    if not matching:
        raise ValueError(f"Flow {flow.name!r} has no task with slug {task_slug!r} (its tasks: "
                         f"{', '.join(sorted(flow.slugs.values()))}).")
    result = matching[0].result if matching[0].result is not None else flow.result
    runs = {t.map_index: t for t in client.get_task_runs(flow_run_id) if t.task_slug == task_slug}
    if map_index in runs and (map_index != -1 or runs[-1].state != "Mapped"):
        return _read(result, runs[map_index], task_slug)
    if map_index == -1 and -1 in runs:
        return [_read(result, runs[i], task_slug) for i in sorted(runs) if i != -1]
    raise ValueError(f"Flow run {flow_run_id} has no run of task {task_slug!r}"
                     f"{'' if map_index == -1 else f'[{map_index}]'}.")


def _read(result: Any, task_run: Any, task_slug: str) -> Any:
    if not task_run.result_location:
        raise ValueError(f"Task run {task_slug!r} (map index {task_run.map_index}) stored no "
                         f"result (state {task_run.state}); its flow ran without "
                         "checkpointing, or the task has checkpoint=False.")
    return result.read(task_run.result_location).value


class StartFlowRun(Task):
    """Start a run of a registered flow (the older spelling of ``create_flow_run``), and
    with ``wait`` wait for it and end in its final state.

    Args:
        flow_name: the flow to run (its latest version).
        project_name: its project.
        parameters: the run's parameters.
        run_config: not available yet: the run uses its flow's run config.
        wait: wait for the run to finish and end in its state (a failed run fails this
            task); without it, the run's id is the result.
        new_flow_context: values for the run's context.
        run_name: the run's name.
        scheduled_start_time: when the run is due; now when None.
        poll_interval: how often to look at the run while waiting.
        **kwargs: as for ``Task``.
    """

    def __init__(self, flow_name: str | None = None, project_name: str | None = None,
                 parameters: dict[str, Any] | None = None, run_config: Any = None,
                 wait: bool = False, new_flow_context: dict[str, Any] | None = None,
                 run_name: str | None = None,
                 scheduled_start_time: datetime.datetime | None = None,
                 poll_interval: datetime.timedelta = datetime.timedelta(seconds=10),
                 **kwargs: Any) -> None:
        self.flow_name = flow_name
        self.project_name = project_name
        self.parameters = parameters
        self.run_config = run_config
        self.wait = wait
        self.new_flow_context = new_flow_context
        self.run_name = run_name
        self.scheduled_start_time = scheduled_start_time
        self.poll_interval = poll_interval
        super().__init__(**kwargs)

    @defaults_from_attrs("flow_name", "project_name", "parameters", "run_config",
                         "new_flow_context", "run_name", "scheduled_start_time")
    def run(self, flow_name: str | None = None, project_name: str | None = None,
            parameters: dict[str, Any] | None = None, run_config: Any = None,
            new_flow_context: dict[str, Any] | None = None, run_name: str | None = None,
            idempotency_key: str | None = None,
            scheduled_start_time: datetime.datetime | None = None) -> Any:
        """Start the run; its id, or (``wait``) end in its final state.

        Raises:
            ValueError: no flow name, or no project name.
        """
        if flow_name is None:
            raise ValueError("StartFlowRun needs the name of the flow to run (flow_name).")
        if project_name is None:
            raise ValueError("StartFlowRun needs the project of the flow to run "
                             "(project_name).")
        client = _client()
        flow_id, name = _flow_to_run(client, None, flow_name, project_name)
        flow_run_id = _start(client, flow_id, parameters=parameters, context=new_flow_context,
                             labels=None, run_name=run_name, run_config=run_config,
                             scheduled_start_time=scheduled_start_time,
                             idempotency_key=idempotency_key)
        self.logger.info("Started flow run %s of flow %r.", flow_run_id, name)
        if not self.wait:
            return flow_run_id
        while True:
            time.sleep(self.poll_interval.total_seconds())
            state = client.get_flow_run_state(flow_run_id)
            if state.is_finished():
                raise signal_from_state(state)(
                    f"Flow run {flow_run_id} finished in state {state!r}.")
