"""A registered flow's run, executed for the server: ``caudal execute flow-run ID``.

``execute_flow_run`` reads the run and its flow version from the server, loads the flow from
its storage, takes the run from Submitted (or Scheduled) to Running with the version it read
(a run cancelled meanwhile never starts), runs it with ``CloudFlowRunner`` and ends it in the
flow's final state. Task states and log lines go through the run's spool
(``engine/cloud/spool.py``); the final state is the spool's last record, so the run ends on
the server only once everything it reported is there. A heartbeat thread tells the server the
run is alive and learns from the answer when the run was cancelled.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from caudal.configuration import config, update_environment
from caudal.engine.cloud.log_handler import SpoolLogHandler
from caudal.engine.cloud.spool import FLOW, Shipper, SpoolReader, SpoolWriter, spool_dir
from caudal.engine.cloud.task_runner import CloudTaskRunner
from caudal.engine.flow_runner import FlowRunner
from caudal.exceptions import ClientError, ServerUnavailable
from caudal.utilities.logging import get_logger
from caudal.utilities.processes import kill_tree

if TYPE_CHECKING:
    from caudal.client import Client
    from caudal.core.flow import Flow
    from caudal.engine.state import State
    from caudal.wire.flows import FlowVersion
    from caudal.wire.runs import FlowRun

__all__ = ["CloudFlowRunner", "Heartbeat", "execute_flow_run", "load_flow"]

STARTABLE = frozenset({"Scheduled", "Submitted", "Retrying", "Resume", "Pending"})

logger = get_logger("CloudFlowRunner")


class CloudFlowRunner(FlowRunner):
    """A FlowRunner whose tasks run with ``CloudTaskRunner`` (their states go to the spool)."""

    def __init__(self, flow: Flow, task_runner_cls: type | None = None,
                 state_handlers: Any = None) -> None:
        super().__init__(flow, task_runner_cls or CloudTaskRunner, state_handlers)


class Heartbeat:
    """Tells the server every ``interval_s`` that the run is alive.

    ``on_stop(state, message)`` is called once when the answer says the run must stop: it
    is Cancelling, or it has already ended (another process, the agent or the reaper ended
    it). A server that cannot be reached is not a reason to stop.
    """

    def __init__(self, client: Client, flow_run_id: str, interval_s: float,
                 on_stop: Callable[[str, str], None]) -> None:
        self.client = client
        self.flow_run_id = flow_run_id
        self.interval_s = interval_s
        self.on_stop = on_stop
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="caudal-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval_s):
            try:
                run = self.client.update_flow_run_heartbeat(self.flow_run_id)
            except ServerUnavailable:
                continue
            except ClientError as exc:
                if exc.status_code in (404, 409) and not self._stopped.is_set():
                    self._stopped.set()
                    self.on_stop("Ended", str(exc))
                continue
            if run.state == "Cancelling" and not self._stopped.is_set():
                self._stopped.set()
                self.on_stop(run.state, run.state_message or "")


def load_flow(version: FlowVersion) -> Flow:
    """The flow of a registered version, from its storage.

    Raises:
        ValueError: the version has no storage description.
        Exception: whatever loading raised (a missing file, an import error in the flow).
    """
    from caudal.storage.base import Storage

    if not version.storage:
        raise ValueError(f"Flow '{version.name}' (version {version.version}) was registered "
                         "without a storage description, so its code cannot be loaded.")
    storage = Storage.from_serialized(version.storage)
    flow = storage.get_flow(version.name)
    if flow.result is None:
        # As Prefect's backend runs: results go where the storage says, else to local files
        # (one pack per process rather than one file per task: see LocalPackResult).
        from caudal.engine.results import LocalPackResult

        flow.result = storage.result if storage.result is not None else LocalPackResult()
    return flow


def apply_run_config(run_config: dict[str, Any] | None) -> None:
    """Set the run config's environment variables and working directory in this process,
    as a process started with them would have them (the directory first on ``sys.path``):
    a run process started ahead of its run (an agent's warm process) gets them this way.

    Raises:
        FileNotFoundError: the working directory does not exist.
    """
    run_config = run_config or {}
    update_environment(run_config.get("env") or {})
    working_dir = run_config.get("working_dir")
    if working_dir:
        try:
            os.chdir(os.path.expanduser(working_dir))
        except OSError as exc:
            raise FileNotFoundError(f"The run config's working directory '{working_dir}' "
                                    f"cannot be used: {exc.strerror}.") from exc
        if sys.path[:1] != [os.getcwd()]:
            sys.path.insert(0, os.getcwd())


class _Run:
    """One execution: the spool, its shipper, the log handler and the heartbeat."""

    def __init__(self, client: Client, run: FlowRun) -> None:
        self.client = client
        self.run = run
        directory = spool_dir(config.home_dir, run.id)
        self.reader = SpoolReader(directory)
        self.shipper = Shipper(self.reader, client).start()
        self.writer = SpoolWriter(directory, on_append=self.shipper.wake)
        self.handler = SpoolLogHandler(self.writer, run.id)
        get_logger().addHandler(self.handler)
        self.heartbeat: Heartbeat | None = None
        self.finishing = False

    def finish(self, state: str, message: str) -> int:
        """Spool the final state, wait for the server to take everything; the exit code.

        The heartbeat goes on until then: a long backlog must not look like a dead run.
        """
        self.finishing = True
        get_logger().removeHandler(self.handler)
        self.writer.append(FLOW, {"flow_run_id": self.run.id, "state": state,
                                  "message": message})
        timeout = float(config.cloud.flush_timeout_s)
        flushed = self.shipper.flush(timeout=timeout)
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if flushed:
            self.shipper.stop()
            if self.reader.pending() == 0:
                self.reader.remove()
            return 0
        print(f"caudal: the server did not take the run's last records within {timeout:.0f} s "
              f"({self.shipper.last_error}); they stay in {self.reader.directory} and its "
              "agent sends them when the server answers.", file=sys.stderr)
        return 1

    def stop_now(self, state: str, message: str) -> None:
        """The server says stop (a cancellation): end this process and everything it started."""
        if self.finishing and state != "Cancelling":
            return  # the run's own final state has just reached the server
        if state == "Cancelling":
            logger.warning("Flow run '%s' was cancelled: stopping its tasks.", self.run.name)
        else:
            logger.warning("Flow run '%s' was ended on the server (%s): stopping its tasks.",
                           self.run.name, message)
        self.shipper.flush(timeout=10)
        kill_tree(os.getpid(), include_self=False, grace_s=2)
        if state == "Cancelling" and not config.cloud.agent_id:
            # No agent launched this process (it ends a cancelled run itself, once the run's
            # processes are gone): say the run is over before leaving.
            try:
                self.client.set_flow_run_state(
                    self.run.id, "Cancelled",
                    message="Cancelled: the run's processes were stopped.")
            except ClientError as exc:
                print(f"caudal: could not mark the run Cancelled: {exc}", file=sys.stderr)
        sys.stdout.flush()
        os._exit(1)


def execute_flow_run(flow_run_id: str, client: Client | None = None) -> int:
    """Run a flow run of the server in this process, reporting everything; the exit code.

    0 when the run ran to its end (whatever its final state) or had nothing to run (it was
    not waiting any more); 1 when it could not start (its flow did not load: the run is
    failed with the reason) or its last records could not be sent.

    Raises:
        ObjectNotFound: no such flow run.
        ServerUnavailable: the server cannot be reached to read the run.
    """
    from caudal.client import Client

    client = client or Client()
    run = client.get_flow_run(flow_run_id)
    if run.state not in STARTABLE:
        print(f"Flow run '{run.name}' is {run.state}; there is nothing to run.")
        return 0
    version = client.get_flow(run.flow_id)
    execution = _Run(client, run)
    try:
        apply_run_config(version.run_config)
        flow = load_flow(version)
    except Exception as exc:
        logger.error("Flow run '%s': could not load flow '%s' from its storage:\n%s",
                     run.name, version.name, traceback.format_exc())
        execution.finish("Failed", f"Could not load flow '{version.name}' from its storage: "
                                   f"{type(exc).__name__}: {exc}")
        return 1
    try:
        client.set_flow_run_state(run.id, "Running", version=run.version,
                                  message="Running flow.")
    except ClientError as exc:
        if exc.status_code != 409:
            raise
        current = client.get_flow_run(run.id)
        print(f"Flow run '{run.name}' is {current.state} now; it is not started.")
        execution.shipper.stop()
        return 0
    interval = float(config.cloud.heartbeat_interval_s)
    execution.heartbeat = Heartbeat(client, run.id, interval, execution.stop_now).start()
    # A run that ran before (a restart) keeps what succeeded then; a new one has nothing.
    earlier = earlier_task_states(client, flow, run.id) if run.start_time is not None else {}
    state = _run_flow(flow, run, version, execution.writer, earlier)
    name, message = _final(state)
    return execution.finish(name, message)


def earlier_task_states(client: Client, flow: Flow, flow_run_id: str) -> dict[Any, State]:
    """What an earlier attempt of a flow run finished, for a restart from failed: each task
    run that succeeded then keeps its Success, its value read back from its recorded location
    when a task downstream needs it, so that only the other task runs run again (as Prefect
    0.15's restart did). Parameters are given again; mapped tasks run again whole."""
    from caudal.engine.state import Success

    parameters = flow.parameters()
    tasks = {slug: task for task, slug in flow.slugs.items() if task not in parameters}
    kept: dict[Any, State] = {}
    for task_run in client.get_task_runs(flow_run_id):
        task = tasks.get(task_run.task_slug)
        if task is None or task_run.map_index != -1 or task_run.state != "Success" \
                or not task_run.result_location:
            continue
        result = task.result if task.result is not None else flow.result
        if result is None:
            continue
        stored = result.copy()
        stored.value, stored.location = None, task_run.result_location
        kept[task] = Success(task_run.state_message, result=stored)
    if kept:
        logger.info("Restarting: %d task run(s) that succeeded before keep their results "
                    "(%s); the others run again.", len(kept),
                    ", ".join(sorted(flow.slugs[t] for t in kept)))
    return kept


def _run_flow(flow: Flow, run: FlowRun, version: FlowVersion, spool: SpoolWriter,
              task_states: dict[Any, State] | None = None) -> State:
    from caudal.engine.flow_run import run_flow_locally
    from caudal.engine.state import Failed

    context = {
        **run.context,
        "flow_id": run.flow_id,
        "flow_run_id": run.id,
        "flow_run_name": run.name,
        "flow_run_version": run.version + 1,
        "project_name": run.project,
        "scheduled_start_time": run.scheduled_start_time,
        "running_with_backend": True,
        "checkpointing": bool(config.cloud.checkpointing),
        "spool": spool,
    }
    try:
        return run_flow_locally(flow, parameters=run.parameters, run_on_schedule=False,
                                runner_cls=CloudFlowRunner, context=context,
                                task_states=task_states or {})
    except Exception as exc:
        logger.error("Flow run '%s' could not run: %s", run.name, exc,
                     exc_info=not isinstance(exc, (TypeError, ValueError)))
        return Failed(f"{type(exc).__name__}: {exc}", result=exc)


def _final(state: State) -> tuple[str, str]:
    """The state name and message the run ends in on the server."""
    if state.is_running():
        # Tasks are Paused: only a terminal could resume them in this process.
        return ("Failed", "Some tasks are Paused; resuming paused tasks of a backend run is "
                "not available yet, so the run ends here.")
    return type(state).__name__, "" if state.message is None else str(state.message)

