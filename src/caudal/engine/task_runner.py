"""TaskRunner: takes one task run from Pending to a final state.

The path, in order: skip finished or not-yet-due runs; skip when an upstream task skipped;
for a mapped parent, decide how many children to run; gather inputs (reading back upstream
values that were stored, not kept); end Cached when the task's target exists or a cached
result is still valid; apply the trigger; run with the timeout; checkpoint the value; keep
it as Cached for ``cache_for``; turn signals and errors into states; schedule a retry if one
is left. State handlers see every change. Two log lines per run, nothing else on the hot
path: tasks without a result, target or cache pay one check for each.
"""

from __future__ import annotations

import copy
import datetime
import os
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from logging import INFO
from typing import TYPE_CHECKING, Any

from caudal.engine import signals
from caudal.engine.cache_validators import duration_only, never_use, tokenize
from caudal.engine.results.base import Result, format_location
from caudal.engine.runner import call_state_handlers, raising_on_exception
from caudal.engine.state import (
    Cached,
    Failed,
    Looped,
    Mapped,
    Paused,
    Pending,
    Resume,
    Retrying,
    Running,
    Skipped,
    State,
    Success,
    TimedOut,
    TriggerFailed,
)
from caudal.engine.timeout import run_with_timeout
from caudal.exceptions import ResultNotImplementedError
from caudal.utilities.context import context as _context
from caudal.utilities.logging import get_logger, log_fast, stdout_to_log
from caudal.wire.ids import task_run_id

if TYPE_CHECKING:
    from caudal.core.edge import Edge
    from caudal.core.task import Task

__all__ = ["TaskRunner"]

SKIPPED_UPSTREAM = (
    "Upstream task was skipped; if this was not the intended behavior, consider changing "
    "`skip_on_upstream_skip=False` for this task."
)
CACHE_INVALID = "Cache was invalid; ready to run."

_logger = get_logger("TaskRunner")


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class TaskRunner:
    """Runs one task (or each child of a mapped task) and returns its final state.

    Args:
        task: the task to run.
        state_handlers: the runner's handlers, called after the task's own on every state
            change with the runner (not the task) as first argument, as in Prefect 0.15.
        constants: the task's plain (non-task) arguments, as bound in its flow.
        flow_result: the flow's ``result``, used when the task has none of its own; by
            default the result of the flow in the context the runner is made in (the flow
            runner's), so that it travels with the runner to a pool or a cluster.
    """

    def __init__(
        self,
        task: Task,
        state_handlers: list[Callable[..., Any]] | None = None,
        constants: Mapping[str, Any] | None = None,
        flow_result: Result | None = None,
    ) -> None:
        self.task = task
        self.logger = _logger
        self.task_logger = get_logger(task.name)
        self.state_handlers = list(state_handlers or ())
        self._task_handlers = task.state_handlers
        self._tags = sorted(task.tags)
        self.constants = dict(constants or {})
        if flow_result is None:
            flow_result = getattr(_context.get("flow"), "result", None)
        self.flow_result = flow_result
        # Checked once here, so that tasks without a target or a cache skip those steps.
        self._stores = bool(task.target) or task.cache_for is not None

    def __repr__(self) -> str:
        return f"<TaskRunner: {self.task.name}>"

    def run(
        self,
        state: State | None = None,
        upstream_states: Mapping[Edge, State] | None = None,
        context: Mapping[str, Any] | None = None,
        is_mapped_parent: bool = False,
    ) -> State:
        """Run the task from ``state`` given its upstream states; returns the final state."""
        task = self.task
        state = state if state is not None else Pending()
        upstream_states = upstream_states or {}
        ctx = _context.to_dict()
        if context:
            ctx.update(context)
        map_index = ctx.get("map_index")
        full_name = task.name if map_index is None else f"{task.name}[{map_index}]"
        run_count = state.run_count + 1 if isinstance(state, Retrying) else 1
        ctx["task_name"] = task.name
        ctx["task_full_name"] = full_name
        ctx["task_tags"] = task.tags
        ctx["task_run_count"] = run_count
        if not ctx.get("task_run_id"):
            # The rule the server keys task runs by, so an id seen here names the same row there.
            flow_run_id = ctx.get("flow_run_id")
            ctx["task_run_id"] = (task_run_id(flow_run_id, ctx.get("task_slug") or task.slug,
                                              map_index) if flow_run_id else new_run_id())
        ctx["logger"] = self.task_logger
        ctx.setdefault("task_slug", task.slug)
        ctx.setdefault("map_index", None)
        if isinstance(state, Resume):
            ctx["resume"] = True
        elif run_count > 1 and "task_loop_count" in state.context:
            # A retry of a LOOP's iteration goes on from that iteration, as in Prefect.
            ctx["task_loop_count"] = state.context["task_loop_count"]
            ctx["task_loop_result"] = state.context.get("task_loop_result")
        if "checkpointing" not in ctx:  # a TaskRunner used on its own, outside a flow run
            config = ctx.get("config")
            ctx["checkpointing"] = bool(config is not None and config.flows.checkpointing)
        result = task.result if task.result is not None else self.flow_result
        if result is not None and task.target:
            result = self._at_target(result)
        checkpoint = ctx["checkpointing"] is True and task.checkpoint is not False
        previous = _context.replace(ctx)
        try:
            log_fast(self.logger, INFO, "Task '%s': Starting task run...", full_name)
            try:
                state = self._run(state, upstream_states, full_name, run_count, is_mapped_parent,
                                  result, checkpoint)
            except signals.ENDRUN as end:
                state = end.state
            except Exception as exc:
                if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                    raise
                message = f"Task '{full_name}': Unexpected error while running task: {exc!r}"
                self.logger.exception(message)
                state = Failed(message, result=exc)
            # Every task state says the task's tags, as Prefect's do.
            state.context["tags"] = self._tags
            log_fast(self.logger, INFO,
                     "Task '%s': Finished task run for task with final state: '%s'",
                     full_name, type(state).__name__)
        finally:
            _context.replace(previous)
        return state

    # ------------------------------------------------------------------ the steps

    def _run(
        self,
        state: State,
        upstream_states: Mapping[Edge, State],
        full_name: str,
        run_count: int,
        is_mapped_parent: bool,
        result: Result | None = None,
        checkpoint: bool = False,
    ) -> State:
        task = self.task
        if not state.is_pending() and not state.is_cached():
            raise signals.ENDRUN(state)  # finished earlier (a retry round or a restart)
        if state.is_scheduled() and not isinstance(state, Resume):
            start = state.start_time  # type: ignore[attr-defined]
            if isinstance(state, Paused) or (start is not None and start > _utcnow()):
                raise signals.ENDRUN(state)  # waits until resumed, or until its time
        if not self._upstream_finished(upstream_states):
            raise signals.ENDRUN(state)  # waits: an upstream task (or mapped child) will retry
        if task.skip_on_upstream_skip and self._upstream_skipped(upstream_states):
            raise signals.ENDRUN(self._change(state, Skipped(message=SKIPPED_UPSTREAM)))
        if is_mapped_parent:
            for edge, st in upstream_states.items():
                if edge.mapped and type(st) is not Mapped:  # the value's length is the width
                    load_upstream_value(edge, st, self.flow_result)
            raise signals.ENDRUN(self._change(state, self._mapping_state(upstream_states)))

        inputs = self._inputs(upstream_states)
        if task.task_run_name:
            _context["task_run_name"] = self._run_name(inputs)
        stored = False
        if self._stores or isinstance(state, Cached):
            state = self._check_stored(state, inputs, full_name)
            stored = isinstance(state, Cached)
        self._check_trigger(state, upstream_states, full_name)
        if stored:
            raise signals.ENDRUN(state)  # a valid cache or an existing target: no run
        state = self._change(state, Running(message="Starting task run."))
        state = self._execute(state, inputs, full_name, run_count, result, checkpoint)
        while isinstance(state, Looped):
            # LOOP: run again with the loop count and the last result in context; each
            # iteration has its own attempts (retries count from 1 again), as in Prefect.
            _context["task_loop_count"] = (state.loop_count or 1) + 1
            _context["task_loop_result"] = state.result
            run_count = _context["task_run_count"] = 1
            state = self._change(Pending(), Running(message="Starting task run."))
            state = self._execute(state, inputs, full_name, run_count, result, checkpoint)
        if task.cache_for is not None and state.is_successful() and not state.is_skipped():
            state = self._change(state, Cached(
                message=state.message,
                result=state._result,
                hashed_inputs={key: tokenize(value) for key, value in inputs.items()},
                cached_result_expiration=_utcnow() + task.cache_for,
                cached_parameters=_context.get("parameters"),
            ))
        if state.is_failed() and run_count <= task.max_retries:
            delay = task.retry_delay or datetime.timedelta(0)
            state = self._change(
                state,
                Retrying(
                    message=f"Retrying Task (after attempt {run_count} of {task.max_retries + 1})",
                    start_time=_utcnow() + delay,
                    run_count=run_count,
                    cached_inputs=inputs,
                    context=self._loop_context(),
                ),
            )
        return state

    @staticmethod
    def _loop_context() -> dict[str, Any] | None:
        """Where a LOOP was (its count and last result), for a retry to go on from there."""
        if "task_loop_count" not in _context:
            return None
        return {"task_loop_count": _context["task_loop_count"],
                "task_loop_result": _context.get("task_loop_result")}

    def _change(self, old: State, new: State) -> State:
        """Call the task's state handlers, then the runner's, on a transition; each may
        replace the new state."""
        if self._task_handlers:
            new = call_state_handlers(self._task_handlers, self.task, old, new, self.logger)
        if self.state_handlers:
            new = call_state_handlers(self.state_handlers, self, old, new, self.logger)
        return new

    @staticmethod
    def _upstream_finished(upstream_states: Mapping[Edge, State]) -> bool:
        for edge, st in upstream_states.items():
            if not st.is_finished():
                return False
            if isinstance(st, Mapped) and not edge.mapped:
                if not all(child.is_finished() for child in st.map_states):
                    return False
        return True

    @staticmethod
    def _upstream_skipped(upstream_states: Mapping[Edge, State]) -> bool:
        for edge, st in upstream_states.items():
            if isinstance(st, Mapped) and not edge.mapped:
                if any(child.is_skipped() for child in st.map_states):
                    return True
            elif st.is_skipped():
                return True
        return False

    @staticmethod
    def _mapping_state(upstream_states: Mapping[Edge, State]) -> State:
        """A mapped parent's state: Mapped with the number of children, or why it can't map."""
        mapped = [(e, s) for e, s in upstream_states.items() if e.mapped]
        if upstream_states and not any(s.is_successful() for _, s in mapped):
            return Failed("No upstream states can be mapped over.")
        sizes = []
        for _, st in mapped:
            if not st.is_successful():
                continue
            if isinstance(st, Mapped):
                sizes.append(st.n_map_states)
            elif not hasattr(st.result, "__getitem__"):
                return Failed("At least one upstream state has an unmappable result.")
            else:
                sizes.append(len(st.result))
        return Mapped("Ready to proceed with mapping.", n_map_states=min(sizes, default=0))

    def _inputs(self, upstream_states: Mapping[Edge, State]) -> dict[str, Any]:
        inputs = dict(self.constants)
        for edge, st in upstream_states.items():
            if edge.key is None:
                continue
            if type(st) is Mapped and not edge.mapped:
                load_upstream_value(edge, st, self.flow_result)  # children stored earlier
                value = st.result
            else:
                value = st.result
                if value is None and st.stored_result is not None:
                    load_upstream_value(edge, st, self.flow_result)  # stored earlier, not kept
                    value = st.result
            if edge.flattened and not edge.mapped:
                value = flatten_once(value)
            inputs[edge.key] = value
        return inputs

    # ------------------------------------------------------------------ results and caches

    def _result_type(self) -> Result | None:
        """The Result the task's value is written with: the task's, else its flow's."""
        return self.task.result if self.task.result is not None else self.flow_result

    def _at_target(self, result: Result) -> Result:
        """A copy of ``result`` whose location is the task's target."""
        return result.with_location(self.task.target)

    @staticmethod
    def _format_kwargs(inputs: Mapping[str, Any]) -> dict[str, Any]:
        """What a location template may name: parameters, the run context, the inputs."""
        return {**(_context.get("parameters") or {}), **_context.to_dict(), **inputs}

    def _check_stored(self, state: State, inputs: dict[str, Any], full_name: str) -> State:
        """Cached when the task's target exists or a cached result is still valid; else
        ``state`` (or Pending when the cached state it came with is no longer valid)."""
        try:
            if self.task.target:
                return self._check_target(state, inputs)
            return self._check_cache(state, inputs, full_name)
        except Exception as exc:
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            message = f"Unexpected error: {exc!r}"
            self.logger.exception(message)
            raise signals.ENDRUN(self._change(state, Failed(message, result=exc))) from None

    def _check_target(self, state: State, inputs: dict[str, Any]) -> State:
        """Cached with the value stored at the task's target if one exists; else ``state``."""
        result = self._result_type() or Result()  # the base Result says what is missing
        kwargs = self._format_kwargs(inputs)
        target = self.task.target
        location = target(**kwargs) if callable(target) else target
        if not result.exists(location, **kwargs):
            return state
        known = format_location(location, kwargs)
        cached = Cached(
            message=f"Result found at task target {known}",
            result=result.read(known),
            hashed_inputs={key: tokenize(value) for key, value in inputs.items()},
            cached_result_expiration=None,
            cached_parameters=kwargs.get("parameters"),
        )
        return self._change(state, cached)

    def _check_cache(self, state: State, inputs: dict[str, Any], full_name: str) -> State:
        """The cached state the task's validator accepts (the one given, else one kept by an
        earlier run under the task's cache key); else ``state``."""
        task = self.task
        validator = task.cache_validator or (
            duration_only if task.cache_for is not None else never_use)
        parameters = _context.get("parameters")
        start = state
        if state.is_cached():  # a cached state given to this run: reuse it while it is valid
            if validator(state, inputs, parameters):
                return state
            state = Pending(CACHE_INVALID)
        if task.cache_for is not None:
            caches = _context.get("caches") or {}
            for candidate in caches.get(task.cache_key or task.name, ()):
                if validator(candidate, inputs, parameters):
                    return self._change(start, candidate)
            self.logger.warning("Task '%s': Can't use cache because it is now invalid",
                                full_name)
        return state if state is start else self._change(start, state)

    def _keep(self, state: State, value: Any, result: Result, checkpoint: bool,
              inputs: dict[str, Any]) -> State:
        """Attach a successful run's value to ``state`` as the task's Result, written first
        when checkpointing (and the value is not None). A write that fails fails the run
        (which may be retried), as a run that raised would."""
        stored: Result | None = None
        if checkpoint and value is not None:
            try:
                kwargs = self._format_kwargs(inputs) if result.templated else {}
                stored = result.write(value, **kwargs)
            except ResultNotImplementedError:
                pass  # the base Result keeps values in memory: nothing to write
            except Exception as exc:
                if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                    raise
                message = f"Unexpected error: {exc!r}"
                self.logger.exception(message)
                return Failed(message, result=exc)
        state.stored_result = stored if stored is not None else result.from_value(value)
        state.result = value
        return state

    def _run_name(self, inputs: dict[str, Any]) -> str:
        """The task's ``task_run_name``: a template (``"load-{table}"``) or a callable, given
        the flow's parameters, the run context and the task's inputs, as Prefect gives them."""
        template = self.task.task_run_name
        ctx = _context.to_dict()
        values = {**(ctx.get("parameters") or {}), **ctx, **inputs}
        if callable(template):
            return str(template(**values))
        return str(template).format(**values)

    def _check_trigger(self, state: State, upstream_states: Mapping[Edge, State],
                       full_name: str) -> None:
        try:
            if not self.task.trigger(upstream_states):
                raise signals.TRIGGERFAIL("Trigger failed")
        except signals.CaudalStateSignal as sig:
            raise signals.ENDRUN(self._change(state, sig.state)) from None
        except Exception as exc:
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            self.logger.exception(
                "Task '%s': Unexpected error while evaluating task trigger: %r", full_name, exc
            )
            failed = TriggerFailed(
                f"Unexpected error while checking task trigger: {exc!r}", result=exc
            )
            raise signals.ENDRUN(self._change(state, failed)) from exc

    def _execute(self, running: State, inputs: dict[str, Any], full_name: str,
                 run_count: int, result: Result | None = None, checkpoint: bool = False
                 ) -> State:
        task = self.task
        value = None
        kept = False  # a value the run produced (returned, or carried by SUCCESS or LOOP)
        try:
            with stdout_to_log(self.logger) if task.log_stdout else nullcontext():
                if task.timeout:
                    value = run_with_timeout(task.run, inputs, float(task.timeout))
                else:
                    value = task.run(**inputs)
        except signals.TaskTimeoutSignal as exc:
            new: State = TimedOut("Task timed out during execution.", result=exc)
        except signals.SUCCESS as sig:
            new = sig.state
            value, kept = new.result, True
        except signals.LOOP as sig:
            new = sig.state
            value, kept = new.result, True
            count = _context.get("task_loop_count") or 1
            new.loop_count = count  # type: ignore[attr-defined]
            new.message = new.message or f"Task is looping ({count})"
        except signals.CaudalStateSignal as sig:
            self.logger.info("%s signal raised: %r", type(sig).__name__, sig)
            new = sig.state
            if isinstance(new, Retrying):
                new.run_count = run_count
        except signals.ENDRUN as end:
            raise signals.ENDRUN(self._change(running, end.state)) from None
        except Exception as exc:
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            self.logger.error(
                "Task '%s': Exception encountered during task execution!", full_name,
                exc_info=True,
            )
            new = Failed(f"Error during execution of task: {exc!r}", result=exc)
        else:
            new = Success(message="Task run succeeded.", result=value)
            kept = True
        if kept and result is not None:
            new = self._keep(new, value, result, checkpoint, inputs)
        return self._change(running, new)


def new_run_id() -> str:
    """A random (version 4) UUID string, made without uuid.UUID's validation overhead."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def flatten_once(value: Any) -> Any:
    """``[[1, 2], [3]]`` becomes ``[1, 2, 3]``. A value that is not a sequence of sequences
    (``100``, ``[[1], 2]``) stays as it is, as in Prefect: mapped over, it is unmappable
    (that task fails); passed ``unmapped``, the task gets it unflattened.

    Example:
        >>> flatten_once([[1, 2], (3,)]), flatten_once([[1], 2]), flatten_once(100)
        ([1, 2, 3], [[1], 2], 100)
    """
    try:
        return [item for inner in value for item in inner]
    except TypeError:
        return value


def load_upstream_value(edge: Edge, state: State, flow_result: Result | None) -> None:
    """Read back an upstream value that an earlier run stored and this one does not hold.

    A state carrying a Result of a storage type reads with it (it knows its bucket or
    directory); a state that knows only a location reads with the upstream task's Result, or
    its flow's.
    """
    reader = edge.upstream_task.result
    if reader is None:
        reader = flow_result
    for st in state.map_states if isinstance(state, Mapped) else (state,):
        stored = st.stored_result
        if st.result is None and stored is not None:
            own = isinstance(stored, Result) and type(stored) is not Result
            st.load_result(None if own else reader)


def child_state(state: State, index: int) -> State:
    """The upstream state a mapped child sees: the parent's child, or one item of the result."""
    if isinstance(state, Mapped):
        return state.map_states[index]
    if not state.is_successful():
        return state
    if type(state) is Success:
        return Success(message=state.message, result=state.result[index])
    child = copy.copy(state)
    child.result = state.result[index]
    return child
