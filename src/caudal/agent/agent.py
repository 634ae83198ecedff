"""The agent: claims due runs whose labels it has, launches them, and watches them to the end.

Two threads share the work. The claimer long-polls the server's claim endpoint for as many
runs as the agent has room for (never more than ``limit`` at once) and launches each through
the launcher. The supervisor (the thread that called ``run``) looks at every launched run a
few times a second and settles the ones that ended:

- a process that exits before its run has ended (a non-zero code, a signal, the OOM killer)
  has its run failed at once, with how it ended and its last output lines in the state
  message and the run's logs; whatever it left in its spool is shipped first;
- a run that is not Running ``start_timeout_s`` after its launch is stopped and failed;
- a run cancelled on the server has its processes stopped, then is marked Cancelled.

The agent heartbeats the server (with how many runs it has and its limit). When the server
cannot be reached it keeps its runs going, keeps what it must tell the server, and tries
again forever, waiting longer each time. ``stop()`` (SIGTERM) stops claiming, lets running
runs go on for ``grace_s`` seconds, then stops them and hands them back (Scheduled) for
another agent to take.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from caudal.agent.launcher import Launched, Launcher, LaunchSpec
from caudal.configuration import child_environment, setting_variable
from caudal.engine.cloud.spool import SpoolReader, spool_dir
from caudal.exceptions import ClientError, ObjectNotFound, ServerUnavailable
from caudal.utilities.logging import get_logger
from caudal.wire.states import is_finished

if TYPE_CHECKING:
    from caudal.client import Client
    from caudal.wire.runs import FlowRun

__all__ = ["Agent", "AgentSettings"]

logger = get_logger("agent")

TICK_S = 0.1
"""How often the supervisor looks at its processes."""
CHECK_S = 2.0
"""How often it asks the server about its runs (started? cancelled?)."""
HEARTBEAT_S = 15.0
STOP_GRACE_S = 5.0
"""How long a stopped run's processes get between SIGTERM and SIGKILL."""
TAIL_LINES = 20


@dataclass
class AgentSettings:
    name: str = "agent"
    labels: list[str] = field(default_factory=list)
    limit: int = 8
    env: dict[str, str] = field(default_factory=dict)
    start_timeout_s: float = 60.0
    grace_s: float = 30.0
    claim_wait_s: float = 10.0
    home: str = "~/.caudal"
    max_backoff_s: float = 30.0
    api_key: str | None = None
    """Passed on to the runs' processes (they report with the agent's key)."""

    @classmethod
    def configured(cls, name: str | None = None, labels: Iterable[str] = (),
                   env: Mapping[str, str] | None = None, limit: int | None = None,
                   start_timeout_s: float | None = None, grace_s: float | None = None,
                   api_key: str | None = None) -> AgentSettings:
        """Settings from what was given, the rest from the configuration (``agent.*``,
        ``home_dir``, ``api.key``); the name defaults to this host's."""
        import socket

        from caudal.client.transport import resolve_api_key
        from caudal.configuration import config

        agent = config.agent
        return cls(
            name=name or socket.gethostname(), labels=sorted(set(labels)),
            limit=int(limit or agent.limit), env=dict(env or {}),
            start_timeout_s=float(agent.start_timeout_s if start_timeout_s is None
                                  else start_timeout_s),
            grace_s=float(agent.grace_s if grace_s is None else grace_s),
            claim_wait_s=float(agent.claim_wait_s), home=str(config.home_dir),
            api_key=resolve_api_key(api_key))


@dataclass
class _Watched:
    run: FlowRun
    launched: Launched | None
    launched_at: float
    state: str = "Submitted"
    checked_at: float = 0.0
    exit_code: int | None = None
    note: str | None = None
    """Why the agent itself stopped the run (a start timeout, a cancellation, a shutdown)."""
    settle_as: str | None = None
    """The state the agent puts the run in once its process is gone (None: decide then)."""


class Agent:
    """Runs flow runs of the server, as the settings say, through a launcher.

    Args:
        client: the connection to the server.
        launcher: how a claimed run becomes a process.
        settings: name, labels, limit, extra environment, timeouts.
    """

    def __init__(self, client: Client, launcher: Launcher, settings: AgentSettings) -> None:
        self.client = client
        self.launcher = launcher
        self.settings = settings
        self.agent_id: str | None = None
        self.runs: dict[str, _Watched] = {}
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._flows: dict[str, Any] = {}
        self.last_tick = time.monotonic()
        self.last_contact: float | None = None
        self.server_error: str | None = None
        self._down_since: float | None = None
        self.started_runs = 0
        self._claimer: threading.Thread | None = None
        self._claiming = False
        self._env: dict[str, str] = {}

    # --- the outside ----------------------------------------------------------------------

    def stop(self) -> None:
        """Stop claiming; running runs get ``grace_s`` seconds, then are handed back."""
        if not self._stopping.is_set():
            logger.info("Agent '%s' is stopping: no more claims; %d run(s) running get %.0f s "
                        "to finish.", self.settings.name, len(self.runs), self.settings.grace_s)
        self._stopping.set()
        with self._room:
            self._room.notify_all()

    @property
    def running(self) -> int:
        return len(self.runs)

    def status(self) -> dict[str, Any]:
        """What the agent's ``/health`` says."""
        return {
            "agent_id": self.agent_id, "name": self.settings.name,
            "labels": self.settings.labels, "limit": self.settings.limit,
            "running": self.running, "started_runs": self.started_runs,
            "stopping": self._stopping.is_set(),
            "server_reachable": self._down_since is None and self.last_contact is not None,
            "server_error": self.server_error,
            "seconds_since_server_contact": None if self.last_contact is None
            else round(time.monotonic() - self.last_contact, 1),
            "seconds_since_loop": round(time.monotonic() - self.last_tick, 1),
        }

    def run(self, max_runs: int | None = None) -> None:
        """Register, then claim and supervise until ``stop()``.

        Args:
            max_runs: stop claiming after launching this many runs, and return once they
                are settled (the hidden ``--max-runs`` option, for trying an agent out).
        """
        self._register()
        self._claimer = threading.Thread(target=self._claim_loop, args=(max_runs,),
                                         name="caudal-agent-claims", daemon=True)
        self._claimer.start()
        next_heartbeat = 0.0
        reported = 0
        shutdown_at: float | None = None
        while True:
            now = time.monotonic()
            self.last_tick = now
            self._supervise(now)
            # Also when its number of runs changed, so that the server can tell a user that
            # it is at its limit (at most once a second).
            if now >= next_heartbeat or (self.running != reported
                                         and now >= next_heartbeat - HEARTBEAT_S + 1):
                next_heartbeat = now + HEARTBEAT_S
                reported = self.running
                self._heartbeat()
            if max_runs is not None and self.started_runs >= max_runs and not self.runs:
                self._stopping.set()
            if self._stopping.is_set():
                if shutdown_at is None:
                    shutdown_at = now + self.settings.grace_s
                    self._heartbeat(stopping=True)
                # The server answered a waiting claim at once when told the agent stops;
                # a claim to a server that cannot be reached is not waited for.
                if not self.runs and (not self._claimer.is_alive()
                                      or (self._claiming and self._down_since is not None)):
                    break
                if now >= shutdown_at:
                    self._hand_back_all()
            time.sleep(TICK_S)
        self.launcher.close()
        logger.info("Agent '%s' stopped.", self.settings.name)

    # --- talking to the server ------------------------------------------------------------

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the server; note whether it answered. Errors other than a lost server
        propagate; a lost server propagates as ServerUnavailable after being noted."""
        try:
            result = fn(*args, **kwargs)
        except ServerUnavailable as exc:
            self._server_lost(exc, what)
            raise
        self._server_back()
        return result

    def _server_lost(self, exc: Exception, what: str) -> None:
        self.server_error = str(exc)
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.warning("Agent '%s' cannot reach the server (%s: %s); its runs go on, and "
                           "it keeps trying.", self.settings.name, what, exc)

    def _server_back(self) -> None:
        self.last_contact = time.monotonic()
        if self._down_since is not None:
            logger.info("Agent '%s' reaches the server again after %.0f s.", self.settings.name,
                        time.monotonic() - self._down_since)
            self._down_since = None
            self.server_error = None

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.max_backoff_s, 0.5 * 2 ** min(attempt, 10))

    def _register(self) -> None:
        attempt = 0
        while True:
            try:
                agent = self._call("registering", self.client.register_agent_record,
                                   "LocalAgent" if self.launcher.name == "local"
                                   else f"{self.launcher.name.title()}Agent",
                                   self.settings.name, self.settings.labels,
                                   limit=self.settings.limit)
                break
            except ServerUnavailable:
                if self._stopping.wait(self._backoff(attempt)):
                    raise SystemExit(1) from None
                attempt += 1
        self.agent_id = agent.id
        # What every run process gets names this agent: made once per registration.
        self._env = self._base_env()
        self._agent_env = {**self.settings.env, **self._connection_env()}
        self.launcher.prepare(self._env)
        labels = ", ".join(self.settings.labels) or "none"
        logger.info("Agent '%s' registered (id %s, labels [%s], limit %d); waiting for runs "
                    "from %s.", self.settings.name, agent.id, labels, self.settings.limit,
                    self.client.api_server)

    def _heartbeat(self, stopping: bool | None = None) -> None:
        """Tell the server the agent is alive, with its runs and limit; with ``stopping``,
        that it stops, so that its claim waiting there returns now and takes nothing (best
        effort: a server away learns it from the claim's closed connection)."""
        try:
            self._call("heartbeat", self.client.update_agent_heartbeat, self.agent_id,
                       running=self.running, limit=self.settings.limit, stopping=stopping)
        except ObjectNotFound:
            if not stopping:
                self._register()  # the server forgot this agent (a new database): start over
        except ClientError as exc:
            if not isinstance(exc, ServerUnavailable):
                logger.warning("Agent '%s': heartbeat refused: %s", self.settings.name, exc)

    # --- claiming -------------------------------------------------------------------------

    def _claim_loop(self, max_runs: int | None) -> None:
        attempt = 0
        while not self._stopping.is_set():
            with self._room:
                room = self.settings.limit - len(self.runs)
                if max_runs is not None:
                    room = min(room, max_runs - self.started_runs)
                if room <= 0:
                    self._room.wait(0.5)
                    continue
            try:
                self._claiming = True
                try:
                    claimed = self._call("claiming runs", self.client.claim_flow_runs,
                                         self.agent_id, limit=room,
                                         wait_s=self.settings.claim_wait_s)
                finally:
                    self._claiming = False
                attempt = 0
            except ObjectNotFound:
                self._register()
                continue
            except ClientError as exc:
                if not isinstance(exc, ServerUnavailable):
                    logger.warning("Claiming runs failed: %s", exc)
                self._stopping.wait(self._backoff(attempt))
                attempt += 1
                continue
            for run in claimed:
                self._launch(run)

    def _launch(self, run: FlowRun) -> None:
        now = time.monotonic()
        watched = _Watched(run=run, launched=None, launched_at=now, checked_at=now)
        if self._stopping.is_set():
            watched.note = f"agent '{self.settings.name}' was stopping when it claimed it"
            watched.settle_as = "Scheduled"
        else:
            try:
                watched.launched = self.launcher.launch(self._spec(run))
            except Exception as exc:
                watched.note = (f"its process could not be started: {type(exc).__name__}: "
                                f"{exc}")
                watched.settle_as = "Failed"
        # Watched only once launched (or known not to be): the supervisor settles a run
        # that has no process.
        with self._room:
            self.runs[run.id] = watched
            self.started_runs += 1
        if watched.launched is None:
            return
        logger.info("Flow run '%s' (%s) of flow '%s' launched%s.", run.name, run.id,
                    run.flow_name, _pid(watched.launched))

    def _spec(self, run: FlowRun) -> LaunchSpec:
        flow = self._flows.get(run.flow_id)
        if flow is None:
            flow = self._flows[run.flow_id] = self.client.get_flow(run.flow_id)
        run_config: Mapping[str, Any] = flow.run_config or {}
        run_env = {str(k): str(v) for k, v in (run_config.get("env") or {}).items()}
        working_dir = run_config.get("working_dir")
        if working_dir:
            working_dir = os.path.expanduser(str(working_dir))
            if not os.path.isdir(working_dir):
                raise FileNotFoundError(f"the run config's working directory '{working_dir}' "
                                        "does not exist on this agent's machine")
        return LaunchSpec(flow_run_id=run.id, env=self._env, agent_env=self._agent_env,
                          run_env=run_env, flow_name=run.flow_name, flow_id=run.flow_id,
                          working_dir=working_dir, run_config=dict(run_config),
                          command=[sys.executable, "-m", "caudal", "execute", "flow-run", run.id])

    def _base_env(self) -> dict[str, str]:
        """The variables every run process on this machine gets, before its run config's
        ``env``: the agent's own, its ``--env``, and how to reach the server as this agent."""
        settings = {**self._connection(), "home_dir": os.path.expanduser(self.settings.home)}
        return child_environment(settings, extra=self.settings.env)

    def _connection_env(self) -> dict[str, str]:
        """How a run reaches the server as this agent, as variables (no home folder: a run
        on another machine has its own)."""
        return {setting_variable(k): v for k, v in self._connection().items()}

    def _connection(self) -> dict[str, str]:
        settings = {"api.url": self.client.api_server, "cloud.agent_id": str(self.agent_id)}
        if self.settings.api_key:
            settings["api.key"] = self.settings.api_key
        return settings

    # --- supervising ----------------------------------------------------------------------

    def _supervise(self, now: float) -> None:
        for watched in list(self.runs.values()):
            try:
                self._look_at(watched, now)
            except ServerUnavailable:
                pass  # noted; looked at again on the next tick
            except ClientError as exc:
                logger.warning("Flow run '%s': %s", watched.run.name, exc)

    def _look_at(self, watched: _Watched, now: float) -> None:
        launched = watched.launched
        if launched is not None and watched.exit_code is None:
            watched.exit_code = launched.poll()
        ended = launched is None or watched.exit_code is not None
        if not ended and now - watched.checked_at >= CHECK_S:
            watched.checked_at = now
            run = self._call("checking a run", self.client.get_flow_run, watched.run.id)
            watched.state = run.state
            if run.state == "Cancelling":
                watched.note = f"it was cancelled; agent '{self.settings.name}' stopped its processes"
                watched.settle_as = "Cancelled"
                self._stop_process(watched, STOP_GRACE_S)
            elif is_finished(run.state):
                watched.note = f"the run was already {run.state} on the server"
                self._stop_process(watched, STOP_GRACE_S)
        if (not ended and watched.state == "Submitted" and watched.settle_as is None
                and now - watched.launched_at >= self.settings.start_timeout_s):
            run = self._call("checking a run", self.client.get_flow_run, watched.run.id)
            watched.state = run.state
            if run.state == "Submitted":
                watched.note = (f"it did not reach Running within {self.settings.start_timeout_s:.0f} s "
                                "of its launch (start timeout), so its agent stopped it")
                waiting = launched.waiting_reason() if launched is not None else None
                if waiting:
                    watched.note += f" ({waiting})"
                watched.settle_as = "Failed"
                self._stop_process(watched, STOP_GRACE_S)
        if launched is not None and watched.exit_code is None:
            return
        self._settle(watched)

    def _stop_process(self, watched: _Watched, grace_s: float) -> None:
        if watched.launched is not None:
            watched.launched.stop(grace_s)
            watched.exit_code = watched.launched.poll()

    def _settle(self, watched: _Watched) -> None:
        """The run's process is gone: ship its spool, and end the run if it has not ended."""
        run_id = watched.run.id
        reader = SpoolReader(spool_dir(self.settings.home, run_id))
        self._call("sending a run's spool", reader.ship_once, self.client)
        run = self._call("checking a run", self.client.get_flow_run, run_id)
        if not is_finished(run.state):
            self._end(watched, run)
        else:
            logger.info("Flow run '%s' (%s) ended %s.", run.name, run_id, run.state)
        if reader.pending() == 0:
            reader.remove()
        if watched.launched is not None:
            watched.launched.cleanup()
        with self._room:
            self.runs.pop(run_id, None)
            self._room.notify_all()

    def _end(self, watched: _Watched, run: FlowRun) -> None:
        launched = watched.launched
        how = "" if launched is None or watched.exit_code is None \
            else launched.describe_exit(watched.exit_code)
        tail = launched.output_tail(TAIL_LINES) if launched is not None else ""
        if run.state == "Cancelling" or watched.settle_as == "Cancelled":
            state, message = "Cancelled", (f"Cancelled: agent '{self.settings.name}' stopped "
                                           "the run's processes.")
        elif watched.settle_as == "Scheduled":
            state = "Scheduled"
            message = (f"Handed back by agent '{self.settings.name}': "
                       f"{watched.note or 'it was stopping'}.")
        else:
            state = "Failed"
            when = "before it started" if run.state == "Submitted" else "while it was running"
            what = launched.what if launched is not None else Launched.what
            cause = watched.note or f"{what} {how} {when}"
            message = f"Flow run failed: {cause}."
            if tail:
                message += f"\nLast output:\n{tail}"
        if state != "Scheduled":
            self._log(run, 40 if state == "Failed" else 30, message)
        try:
            self._call("ending a run", self.client.set_flow_run_state, run.id, state,
                       version=run.version, message=message)
        except ClientError as exc:
            if exc.status_code != 409:
                raise
            # It changed meanwhile (its process reported at the last moment): look again.
            latest = self._call("checking a run", self.client.get_flow_run, run.id)
            if not is_finished(latest.state):
                raise
            return
        logger.log(40 if state == "Failed" else 20, "Flow run '%s' (%s): %s", run.name,
                   run.id, message.splitlines()[0])

    def _log(self, run: FlowRun, level: int, message: str) -> None:
        from datetime import UTC, datetime

        self._call("writing a run's log", self.client.write_run_logs, [{
            "flow_run_id": run.id, "timestamp": datetime.now(UTC).isoformat(),
            "level": level, "name": "caudal.agent", "message": message}],
            idempotency_key=f"agent-end:{run.id}:{run.version}")

    def _hand_back_all(self) -> None:
        for watched in list(self.runs.values()):
            if watched.settle_as is None:
                watched.note = (f"agent '{self.settings.name}' was stopped and its grace "
                                f"period of {self.settings.grace_s:.0f} s ended")
                watched.settle_as = "Scheduled"
                self._stop_process(watched, STOP_GRACE_S)


def _pid(launched: Launched | None) -> str:
    pid = getattr(launched, "pid", None)
    return f" as process {pid}" if pid else ""
