"""What ``flow.run()`` does: check the parameters, run the flow, wait for retries, run again.

Kept apart from ``Flow`` so that building a flow never loads the engine. Cached task states
outlive the run in ``caudal.context.caches``, so the next ``flow.run()`` in this process (of
this flow, or of another with the same ``cache_key``) can reuse them until they expire.
"""

from __future__ import annotations

import datetime
import sys
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from caudal.engine.state import Mapped, Paused, Resume, Scheduled, State
from caudal.exceptions import MissingParameterError, UnknownParameterError
from caudal.utilities.context import context as _context

if TYPE_CHECKING:
    from caudal.core.flow import Flow
    from caudal.core.task import Task

__all__ = ["remember_caches", "resolve_parameters", "run_flow_locally"]

RUNNER_KWARGS = {
    "state", "task_states", "return_tasks", "task_runner_state_handlers", "executor",
    "context", "task_contexts",
}
RUN_CONTEXT_KWARGS = {"flow_run_id", "flow_run_name"}


def resolve_parameters(flow: Flow, given: Mapping[str, Any]) -> dict[str, Any]:
    """The parameter values for a run: defaults overlaid with ``given``.

    Raises:
        UnknownParameterError: a name in ``given`` is not a parameter of the flow.
        MissingParameterError: a required parameter is not in ``given``.
    """
    params = {p.name: p for p in flow.parameters()}
    unknown = sorted(set(given) - set(params))
    if unknown:
        known = ", ".join(f"'{n}'" for n in sorted(params)) or "none"
        names = ", ".join(f"'{n}'" for n in unknown)
        raise UnknownParameterError(
            f"Flow '{flow.name}' has no parameter {names}; its parameters are: {known}."
        )
    missing = sorted(n for n, p in params.items() if p.required and n not in given)
    if missing:
        names = ", ".join(f"'{n}'" for n in missing)
        raise MissingParameterError(
            f"Parameter {names} is required by flow '{flow.name}' and has no default. "
            f"Pass it as flow.run({missing[0]}=...)."
        )
    values = {n: p.default for n, p in params.items() if not p.required}
    values.update(given)
    return values


def run_flow_locally(
    flow: Flow,
    parameters: Mapping[str, Any] | None = None,
    run_on_schedule: bool | None = None,
    runner_cls: type | None = None,
    **kwargs: Any,
) -> State:
    """Run ``flow`` in this process until no task is waiting for a retry; return its state."""
    from caudal.engine.flow_runner import FlowRunner

    if parameters is not None and not isinstance(parameters, Mapping):
        raise TypeError(
            f"flow.run(parameters=...) takes a dict of parameter names to values, not "
            f"{type(parameters).__name__} {parameters!r}."
        )
    names = {p.name for p in flow.parameters()}
    given = dict(parameters or {})
    runner_kwargs: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in names:
            given[key] = value
        elif key in RUNNER_KWARGS or key in RUN_CONTEXT_KWARGS:
            runner_kwargs[key] = value
        else:
            given[key] = value  # reported below as an unknown parameter, by name
    values = resolve_parameters(flow, given)
    flow.validate()
    runner_kwargs.setdefault("return_tasks", flow.tasks)
    runner_cls = runner_cls or FlowRunner
    if flow.schedule is None or run_on_schedule is False:
        return _run_once(flow, runner_cls, values, dict(runner_kwargs),
                         datetime.datetime.now(datetime.UTC))
    return _run_on_schedule(flow, runner_cls, given, runner_kwargs)


def _run_on_schedule(flow: Flow, runner_cls: type, given: dict[str, Any],
                     runner_kwargs: dict[str, Any]) -> State:
    """Run at each of the schedule's times, as Prefect's flow.run does, until none is left.

    Each run gets its clock's parameter defaults (over the ones given to flow.run).
    """
    state: State | None = None
    after: datetime.datetime | None = None
    while True:
        events = flow.schedule.next(1, after=after, return_events=True)
        if not events:
            if state is None:
                raise ValueError(f"Flow '{flow.name}' has no more scheduled runs.")
            return state
        event = events[0]
        start = event.start_time
        values = resolve_parameters(flow, {**given, **(event.parameter_defaults or {})})
        delay = (start - datetime.datetime.now(datetime.UTC)).total_seconds()
        if delay > 0:
            flow.logger.info("Waiting for next scheduled run at %s", start.isoformat())
            time.sleep(delay)
        state = _run_once(flow, runner_cls, values, dict(runner_kwargs), start)
        after = start


def _run_once(flow: Flow, runner_cls: type, values: dict[str, Any],
              runner_kwargs: dict[str, Any], scheduled_start: datetime.datetime) -> State:
    """One flow run, with rounds for retries, until no task waits for one."""
    # One identity for the whole local run, kept across retry rounds, as Prefect keeps it.
    run_context = {
        "flow_id": flow.name,
        "flow_run_id": runner_kwargs.pop("flow_run_id", None) or str(uuid.uuid4()),
        "flow_run_name": runner_kwargs.pop("flow_run_name", None) or str(uuid.uuid4()),
        "scheduled_start_time": scheduled_start,
    }
    run_context.update(runner_kwargs.pop("context", None) or {})
    runner_kwargs["context"] = run_context
    task_states: dict[Task, State] = dict(runner_kwargs.pop("task_states", None) or {})
    # A local run starts Scheduled, as Prefect's flow.run does; handlers see it.
    state = runner_kwargs.pop("state", None) or Scheduled(start_time=scheduled_start, result={})
    caches: dict[str, list[State]] = _context.setdefault("caches", {})
    while True:
        state = runner_cls(flow=flow).run(state=state, task_states=task_states,
                                          parameters=values, **runner_kwargs)
        if not state.is_running():
            break
        task_states.update(state.result or {})
        waiting = _waiting_states(task_states)
        paused = [(t, s) for t, s in waiting if isinstance(s, Paused)]
        if paused:
            if not _resume_paused(flow, paused, task_states):
                break
            continue
        if not waiting:
            break
        next_start = min(s.start_time for _, s in waiting)  # type: ignore[attr-defined]
        delay = (next_start - datetime.datetime.now(datetime.UTC)).total_seconds()
        if delay > 0:
            flow.logger.info("Waiting for next available Task run at %s", next_start.isoformat())
            time.sleep(delay)
    if isinstance(state.result, dict):
        remember_caches(caches, state.result)
    return state


def remember_caches(caches: dict[str, list[State]], task_states: Mapping[Task, State],
                    now: datetime.datetime | None = None) -> None:
    """Keep each task's unexpired Cached states (mapped children's too) under its cache key.

    Entries that expired are dropped, and each key holds the states of its last run added
    to the ones still valid, as Prefect's ``flow.run`` keeps ``context.caches``.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    for task, st in task_states.items():
        if isinstance(st, Mapped):
            fresh = [c for c in st.map_states if c.is_cached()]
        else:
            fresh = [st] if st.is_cached() else []
        key = task.cache_key or task.name
        kept: dict[int, State] = {}  # by identity: a reused state is kept once
        for candidate in [*caches.get(key, ()), *fresh]:
            expiration = getattr(candidate, "cached_result_expiration", None)
            if expiration is not None and expiration > now:
                kept.setdefault(id(candidate), candidate)
        caches[key] = list(kept.values())


def _waiting_states(task_states: Mapping[Task, State]) -> list[tuple[Task, State]]:
    """Scheduled (retrying or paused) task states, children of mapped tasks included."""
    found = []
    for task, st in task_states.items():
        children = st.map_states if isinstance(st, Mapped) else [st]
        found.extend((task, c) for c in children if isinstance(c, Scheduled))
    return found


def _resume_paused(flow: Flow, paused: list[tuple[Task, State]],
                   task_states: dict[Task, State]) -> bool:
    """Ask at the terminal whether to resume paused tasks; False when nobody can answer."""
    if not sys.stdin or not sys.stdin.isatty():
        names = ", ".join(sorted({f"'{t.name}'" for t, _ in paused}))
        flow.logger.warning(
            "Task %s is Paused and this run has no terminal to resume it from; the flow run "
            "stays Running. Resume it through the caudal server, or run the flow again with "
            "task_states={task: Resume()}.", names,
        )
        return False
    for task, st in paused:
        answer = input(f"{task} is currently Paused; enter 'y' to resume:\n")
        if answer.strip().lower() != "y":
            return False
        if isinstance(task_states.get(task), Mapped):
            children = task_states[task].map_states  # type: ignore[attr-defined]
            children[children.index(st)] = Resume()
        else:
            task_states[task] = Resume()
    return True
