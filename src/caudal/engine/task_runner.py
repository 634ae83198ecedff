"""TaskRunner: takes one task run from Pending to a final state.

The path, in order: skip finished or not-yet-due runs; skip when an upstream task skipped;
for a mapped parent, decide how many children to run; gather inputs; apply the trigger; run
with the timeout; turn signals and errors into states; schedule a retry if one is left. State
handlers see every change. Two log lines per run, nothing else on the hot path.
"""

from __future__ import annotations

import copy
import datetime
import os
import signal
import threading
from collections.abc import Callable, Mapping
from contextlib import nullcontext, redirect_stdout
from logging import INFO
from typing import TYPE_CHECKING, Any

from caudal.engine import signals
from caudal.engine.runner import call_state_handlers
from caudal.engine.state import (
    Failed,
    Looped,
    Mapped,
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
from caudal.utilities.context import context as _context
from caudal.utilities.logging import StdoutToLog, get_logger, log_fast

if TYPE_CHECKING:
    from caudal.core.edge import Edge
    from caudal.core.task import Task

__all__ = ["TaskRunner"]

SKIPPED_UPSTREAM = (
    "Upstream task was skipped; if this was not the intended behavior, consider changing "
    "`skip_on_upstream_skip=False` for this task."
)

_logger = get_logger("TaskRunner")


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class TaskRunner:
    """Runs one task (or each child of a mapped task) and returns its final state.

    Args:
        task: the task to run.
        state_handlers: extra handlers called after the task's own, on every state change.
        constants: the task's plain (non-task) arguments, as bound in its flow.
    """

    def __init__(
        self,
        task: Task,
        state_handlers: list[Callable[..., Any]] | None = None,
        constants: Mapping[str, Any] | None = None,
    ) -> None:
        self.task = task
        self.logger = _logger
        self.task_logger = get_logger(task.name)
        self.state_handlers = [*task.state_handlers, *(state_handlers or ())]
        self.constants = dict(constants or {})

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
        ctx["task_run_id"] = ctx.get("task_run_id") or new_run_id()
        ctx["logger"] = self.task_logger
        ctx.setdefault("task_slug", task.slug)
        ctx.setdefault("map_index", None)
        if isinstance(state, Resume):
            ctx["resume"] = True
        previous = _context.replace(ctx)
        try:
            log_fast(self.logger, INFO, "Task '%s': Starting task run...", full_name)
            try:
                state = self._run(state, upstream_states, full_name, run_count, is_mapped_parent)
            except signals.ENDRUN as end:
                state = end.state
            except Exception as exc:
                message = f"Task '{full_name}': Unexpected error while running task: {exc!r}"
                self.logger.exception(message)
                state = Failed(message, result=exc)
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
    ) -> State:
        task = self.task
        if not state.is_pending():
            raise signals.ENDRUN(state)  # finished earlier (a retry round or a restart)
        if state.is_scheduled() and not isinstance(state, Resume):
            if state.start_time > _utcnow():  # type: ignore[attr-defined]
                raise signals.ENDRUN(state)
        if not self._upstream_finished(upstream_states):
            raise signals.ENDRUN(state)  # waits: an upstream task (or mapped child) will retry
        if task.skip_on_upstream_skip and self._upstream_skipped(upstream_states):
            raise signals.ENDRUN(self._change(state, Skipped(message=SKIPPED_UPSTREAM)))
        if is_mapped_parent:
            raise signals.ENDRUN(self._change(state, self._mapping_state(upstream_states)))

        inputs = self._inputs(upstream_states)
        if task.task_run_name:
            _context["task_run_name"] = self._run_name(inputs)
        self._check_trigger(state, upstream_states, full_name)
        state = self._change(state, Running(message="Starting task run."))
        state = self._execute(state, inputs, full_name, run_count)
        while isinstance(state, Looped):
            # LOOP: run again with the loop count and the last result in context.
            _context["task_loop_count"] = (state.loop_count or 1) + 1
            _context["task_loop_result"] = state.result
            state = self._change(Pending(), Running(message="Starting task run."))
            state = self._execute(state, inputs, full_name, run_count)
        if state.is_failed() and run_count <= task.max_retries:
            delay = task.retry_delay or datetime.timedelta(0)
            state = self._change(
                state,
                Retrying(
                    message=f"Retrying Task (after attempt {run_count} of {task.max_retries + 1})",
                    start_time=_utcnow() + delay,
                    run_count=run_count,
                    cached_inputs=inputs,
                ),
            )
        return state

    def _change(self, old: State, new: State) -> State:
        """Call the state handlers on a transition; each may replace the new state."""
        if not self.state_handlers:
            return new
        return call_state_handlers(self.state_handlers, self.task, old, new, self.logger)

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
            value = st.result
            if edge.flattened and not edge.mapped:
                value = flatten_once(value)
            inputs[edge.key] = value
        return inputs

    def _run_name(self, inputs: dict[str, Any]) -> str:
        """The task's ``task_run_name``: a callable of the inputs, or a template filled from
        the context and the inputs (``"load-{table}"``)."""
        template = self.task.task_run_name
        if callable(template):
            return str(template(**inputs))
        return str(template).format(**{**_context.to_dict(), **inputs})

    def _check_trigger(self, state: State, upstream_states: Mapping[Edge, State],
                       full_name: str) -> None:
        try:
            if not self.task.trigger(upstream_states):
                raise signals.TRIGGERFAIL("Trigger failed")
        except signals.CaudalStateSignal as sig:
            raise signals.ENDRUN(self._change(state, sig.state)) from None
        except Exception as exc:
            self.logger.exception(
                "Task '%s': Unexpected error while evaluating task trigger: %r", full_name, exc
            )
            failed = TriggerFailed(
                f"Unexpected error while checking task trigger: {exc!r}", result=exc
            )
            raise signals.ENDRUN(self._change(state, failed)) from exc

    def _execute(self, running: State, inputs: dict[str, Any], full_name: str,
                 run_count: int) -> State:
        task = self.task
        try:
            with redirect_stdout(StdoutToLog(self.logger)) if task.log_stdout else nullcontext():
                if task.timeout:
                    value = run_with_timeout(task.run, inputs, float(task.timeout))
                else:
                    value = task.run(**inputs)
        except signals.TaskTimeoutSignal as exc:
            new: State = TimedOut("Task timed out during execution.", result=exc)
        except signals.SUCCESS as sig:
            new = sig.state
        except signals.LOOP as sig:
            new = sig.state
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
            self.logger.error(
                "Task '%s': Exception encountered during task execution!", full_name,
                exc_info=True,
            )
            new = Failed(f"Error during execution of task: {exc!r}", result=exc)
        else:
            new = Success(message="Task run succeeded.", result=value)
        return self._change(running, new)


def new_run_id() -> str:
    """A random (version 4) UUID string, made without uuid.UUID's validation overhead."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def flatten_once(value: Any) -> list[Any]:
    """``[[1, 2], [3]]`` becomes ``[1, 2, 3]``; items that are not lists stay as they are."""
    flat: list[Any] = []
    for item in value:
        if isinstance(item, list | tuple):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


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


def run_with_timeout(fn: Callable[..., Any], kwargs: dict[str, Any], timeout_s: float) -> Any:
    """Call ``fn(**kwargs)``; raise TaskTimeoutSignal after ``timeout_s`` seconds.

    On the main thread a timer signal interrupts the task itself, so nothing keeps running.
    Elsewhere (signals only reach the main thread), or when another timer is already set (a
    test runner's, the user's), the task runs in a helper thread that is abandoned on timeout.
    """
    if (
        threading.current_thread() is threading.main_thread()
        and hasattr(signal, "setitimer")
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # never take over someone's timer
    ):
        def on_alarm(signum: int, frame: Any) -> None:
            raise signals.TaskTimeoutSignal("Execution timed out.")

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            return fn(**kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    outcome: dict[str, Any] = {}
    ctx = _context.to_dict()

    def target() -> None:
        _context.replace(ctx)
        try:
            outcome["value"] = fn(**kwargs)
        except BaseException as exc:  # carried back to the runner's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="caudal-task-timeout", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise signals.TaskTimeoutSignal("Execution timed out.")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
