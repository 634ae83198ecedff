"""FlowRunner: runs every task of a flow in dependency order and decides the flow's state.

The flow's state comes from its reference tasks (terminal tasks by default): Failed if any
failed, Success if all succeeded, and Running while a terminal task is still unfinished (a
retry is pending), exactly as Prefect 0.15 decides it.
"""

from __future__ import annotations

import datetime
import heapq
import queue
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from caudal.engine import signals
from caudal.engine.runner import call_state_handlers, raising_on_exception
from caudal.engine.state import Failed, Mapped, Pending, Running, State, Success
from caudal.engine.task_runner import TaskRunner, child_state, flatten_once, load_upstream_value
from caudal.utilities import dates
from caudal.utilities.context import context as _context
from caudal.utilities.logging import get_logger

if TYPE_CHECKING:
    from caudal.core.edge import Edge
    from caudal.core.flow import Flow
    from caudal.core.task import Task
    from caudal.executors.base import Executor

__all__ = ["FlowRunner"]

_logger = get_logger("FlowRunner")


class FlowRunner:
    """Runs a flow once, from the given task states, and returns the flow's state.

    Args:
        flow: the flow to run.
        task_runner_cls: the TaskRunner class to use for each task.
        state_handlers: the runner's handlers, called after the flow's own with the runner
            (not the flow) as first argument, as in Prefect 0.15.
    """

    def __init__(
        self,
        flow: Flow,
        task_runner_cls: type[TaskRunner] | None = None,
        state_handlers: Iterable[Callable[..., Any]] | None = None,
    ) -> None:
        self.flow = flow
        self.task_runner_cls = task_runner_cls or TaskRunner
        self.state_handlers = list(state_handlers or ())
        self.logger = _logger

    def __repr__(self) -> str:
        return f"<FlowRunner: {self.flow.name}>"

    def run(
        self,
        state: State | None = None,
        task_states: Mapping[Task, State] | None = None,
        return_tasks: Iterable[Task] | None = None,
        parameters: Mapping[str, Any] | None = None,
        task_runner_state_handlers: Iterable[Callable[..., Any]] | None = None,
        executor: Executor | None = None,
        context: Mapping[str, Any] | None = None,
        task_contexts: Mapping[Task, Mapping[str, Any]] | None = None,
    ) -> State:
        """Run the flow's tasks; ``state.result`` maps each of ``return_tasks`` to its state."""
        flow = self.flow
        ctx = self._run_context(parameters or {}, context or {})
        previous = _context.replace(ctx)
        try:
            self.logger.info("Beginning Flow run for '%s'", flow.name)
            state = state if state is not None else Pending()
            if state.is_finished():
                # Nothing runs; the tasks asked for are reported not run, as in Prefect.
                self.logger.info("Flow run has already finished.")
                given = task_states or {}
                state.result = {t: given.get(t) or Pending("Task not run.")
                                for t in return_tasks or ()}
                return state
            try:
                # A run that is Running already (the next round of a run with retries)
                # goes on without a new transition, as in Prefect 0.15.
                running = state if state.is_running() else \
                    self._change(state, Running(message="Running flow."))
                if not running.is_running():
                    # A state handler ended the run before it began (a skip-if-running
                    # handler returning Skipped): no task runs, as in Prefect 0.15.
                    self.logger.info("Flow is not in a Running state.")
                    running.result = {t: Pending("Task not run.") for t in return_tasks or ()}
                    return running
                if executor is None:
                    executor = flow.executor if flow.executor is not None else _local()
                states = self._run_tasks(
                    dict(task_states or {}), executor, task_contexts or {},
                    list(task_runner_state_handlers or ()),
                )
                state = self._final_state(running, states, set(return_tasks or ()))
            except signals.ENDRUN as end:
                state = end.state
            except Exception as exc:
                if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                    raise
                message = f"Unexpected error while running flow: {exc!r}"
                self.logger.exception(message)
                state = Failed(message, result=exc)
        finally:
            _context.replace(previous)
        return state

    def _run_context(self, parameters: Mapping[str, Any], extra: Mapping[str, Any]
                     ) -> dict[str, Any]:
        now = dates.now()
        ctx = _context.to_dict()
        ctx.update(extra)
        # What identifies the run may come from the caller (flow.run, an agent); else it is new.
        ctx.setdefault("flow_id", None)
        ctx.setdefault("flow_run_id", str(uuid.uuid4()))
        ctx.setdefault("flow_run_name", None)
        ctx.setdefault("project_name", None)
        scheduled = ctx.get("scheduled_start_time")
        ctx["scheduled_start_time"] = dates.to_pendulum(scheduled) \
            if isinstance(scheduled, datetime.datetime) else now
        date = self._date(ctx.get("date"), now)
        day = date if isinstance(date, datetime.datetime) else now
        # A parameter the run was not given has its default, as in Prefect.
        values = {p.name: p.default for p in self.flow.parameters() if not p.required}
        values.update(parameters)
        ctx.update(
            flow=self.flow,
            flow_name=self.flow.name,
            parameters=values,
            date=date,
            today=day.strftime("%Y-%m-%d"),
            yesterday=(day - datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
            tomorrow=(day + datetime.timedelta(days=1)).strftime("%Y-%m-%d"),
            today_nodash=day.strftime("%Y%m%d"),
            yesterday_nodash=(day - datetime.timedelta(days=1)).strftime("%Y%m%d"),
            tomorrow_nodash=(day + datetime.timedelta(days=1)).strftime("%Y%m%d"),
            running_with_backend=ctx.get("running_with_backend", False),
            logger=get_logger(self.flow.name),
        )
        ctx.setdefault("checkpointing", bool(ctx.get("config") and
                                             ctx["config"].flows.checkpointing))
        return ctx

    def _date(self, given: Any, now: datetime.datetime) -> Any:
        """The run's ``date``: now, or the one given (a datetime, or text as pendulum reads
        it). Anything else is kept as given, with a warning, and the days derived from it
        (``today``...) use now, as in Prefect."""
        if given is None:
            return now
        if isinstance(given, datetime.datetime):
            return dates.to_pendulum(given)
        parsed = dates.parse(given)
        if parsed is not None:
            return parsed
        self.logger.warning(
            "The context's `date` (%r) is not a date and time caudal can read; `today`, "
            "`yesterday` and `tomorrow` (and their `_nodash` forms) are based on the current "
            "time instead.", given)
        return given

    def _change(self, old: State, new: State) -> State:
        """Call the flow's state handlers, then the runner's, on a transition; each may
        replace the new state."""
        if self.flow.state_handlers:
            new = call_state_handlers(self.flow.state_handlers, self.flow, old, new,
                                      self.logger)
        if self.state_handlers:
            new = call_state_handlers(self.state_handlers, self, old, new, self.logger)
        return new

    # ------------------------------------------------------------------ running tasks

    def _run_tasks(
        self,
        states: dict[Task, State],
        executor: Executor,
        task_contexts: Mapping[Task, Mapping[str, Any]],
        extra_handlers: list[Callable[..., Any]],
    ) -> dict[Task, State]:
        with executor.start():
            _Schedule(self, states, executor, task_contexts, extra_handlers).run()
        return states

    # ------------------------------------------------------------------ the flow's state

    def _final_state(self, running: State, states: dict[Task, State],
                     return_tasks: set[Task]) -> State:
        flow = self.flow
        return_states = {t: states[t] for t in return_tasks if t in states}
        key_states = _expand(states.get(t) for t in flow.reference_tasks())
        terminal_states = _expand(states.get(t) for t in flow.terminal_tasks())

        if not all(s.is_finished() for s in terminal_states):
            self.logger.info("Flow run RUNNING: terminal tasks are incomplete.")
            running.result = return_states
            state = running
        elif any(s.is_failed() for s in key_states):
            self.logger.info("Flow run FAILED: some reference tasks failed.")
            state = Failed(message="Some reference tasks failed.", result=return_states)
        elif all(s.is_successful() for s in key_states):
            self.logger.info("Flow run SUCCESS: all reference tasks succeeded")
            state = Success(message="All reference tasks succeeded.", result=return_states)
        else:
            self.logger.info("Flow run SUCCESS: no reference tasks failed")
            state = Success(message="No reference tasks failed.", result=return_states)

        if flow.terminal_state_handler is not None:
            changed = flow.terminal_state_handler(flow, state, set(key_states))
            if changed is not None:
                state = changed
        if state is not running:
            state = self._change(running, state)
        return state


def _local() -> Executor:
    from caudal.executors.local import LocalExecutor

    return LocalExecutor()


def _has_unfinished(state: State) -> bool:
    return isinstance(state, Mapped) and any(not s.is_finished() for s in state.map_states)


def _expand(states: Iterable[State | None]) -> list[State]:
    """States with mapped parents replaced by their children; a missing state counts Pending."""
    found: list[State] = []
    for st in states:
        if st is None:
            found.append(Pending("Task state not available."))
        elif isinstance(st, Mapped):
            found.extend(st.map_states)
        else:
            found.append(st)
    return found


def _flattened_view(edge: Edge, state: State, flow_result: Any) -> State:
    """What a flattened edge sees: the upstream result (or its children's) flattened once.

    A mapped upstream is flattened only once all its children are finished: until then the
    edge waits (a child may be retrying); then a failed child stands for them all (the
    downstream task's trigger decides), else a skipped one (the skip travels downstream).
    """
    if isinstance(state, Mapped):
        children = state.map_states
        if not all(child.is_finished() for child in children):
            return Pending("Waiting for the children of a flattened mapped task to finish.")
        for wanted in (State.is_failed, State.is_skipped):
            found = next((child for child in children if wanted(child)), None)
            if found is not None:
                return found
    if not state.is_successful():
        return state
    load_upstream_value(edge, state, flow_result)  # a restart may hold only its location
    return Success(message=state.message, result=flatten_once(state.result))


class _Schedule:
    """One pass over a flow's graph: each task is handed to the executor once its upstream
    tasks have final states, and the pass ends when every task has one.

    With an inline executor everything resolves as it is submitted, in sorted order. With a
    pool or a cluster, completions arrive on a queue (from the futures' callbacks) and release
    the tasks downstream, so independent branches and mapped children run side by side.
    """

    def __init__(
        self,
        runner: FlowRunner,
        states: dict[Task, State],
        executor: Executor,
        task_contexts: Mapping[Task, Mapping[str, Any]],
        extra_handlers: list[Callable[..., Any]],
    ) -> None:
        flow = runner.flow
        self.flow = flow
        self.runner = runner
        self.states = states
        self.executor = executor
        self.task_contexts = task_contexts
        self.extra_handlers = extra_handlers
        self.order = flow.sorted_tasks()
        self.rank = {t: i for i, t in enumerate(self.order)}
        self.upstream_edges = flow.all_upstream_edges()
        self.downstream: dict[Task, set[Task]] = {t: set() for t in self.order}
        self.waiting: dict[Task, int] = {}
        for t in self.order:
            ups = {e.upstream_task for e in self.upstream_edges[t]}
            self.waiting[t] = len(ups)
            for up in ups:
                self.downstream[up].add(t)
        self.ready: list[tuple[int, Task]] = []
        self.done: queue.SimpleQueue[tuple[Task, int | list[int] | None, Any]] = (
            queue.SimpleQueue()
        )
        self.outstanding = 0
        self.children: dict[Task, list[Any]] = {}
        self.children_left: dict[Task, int] = {}
        self.parents: dict[Task, Mapped] = {}
        # A run in this process passes its context along; elsewhere it must travel (pickled).
        self.base_context = {} if executor.inline else _portable_context(executor)

    def run(self) -> None:
        for t in self.order:
            if self.waiting[t] == 0:
                heapq.heappush(self.ready, (self.rank[t], t))
        while self.ready or self.outstanding:
            while self.ready:
                _, task = heapq.heappop(self.ready)
                self._launch(task)
            if self.outstanding:
                task, index, future = self.done.get()
                self.outstanding -= 1
                self._collect(task, index, future)

    # A task has a final state: release what waits on it.
    def _resolve(self, task: Task, state: State) -> None:
        self.states[task] = state
        for down in self.downstream[task]:
            self.waiting[down] -= 1
            if self.waiting[down] == 0:
                heapq.heappush(self.ready, (self.rank[down], down))

    def _launch(self, task: Task) -> None:
        from caudal.tasks.core.constants import Constant  # a core task the engine treats as data

        prior = self.states.get(task)
        if prior is not None and prior.is_finished() and not _has_unfinished(prior):
            self._resolve(task, prior)  # done in an earlier round: nothing to run or log
            return
        if isinstance(task, Constant):
            self._resolve(task, Success(result=task.value))
            return
        upstream = {
            e: self.states.get(e.upstream_task) or Pending("Task state not available.")
            for e in self.upstream_edges[task]
        }
        task_ctx = {**self.base_context, **self.task_contexts.get(task, {}),
                    "task_slug": self.flow.slugs.get(task)}
        runner = self.runner.task_runner_cls(task, state_handlers=self.extra_handlers,
                                             constants=self.flow.constants.get(task),
                                             flow_result=self.flow.result)
        if any(e.mapped for e in upstream):
            self._launch_mapped(task, runner, prior, upstream, task_ctx)
        else:
            self._submit(task, None, runner.run, prior, upstream, task_ctx)

    def _launch_mapped(self, task: Task, runner: TaskRunner, prior: State | None,
                       upstream: dict[Edge, State], task_ctx: dict[str, Any]) -> None:
        views = {e: _flattened_view(e, s, self.flow.result) if e.flattened else s
                 for e, s in upstream.items()}
        if isinstance(prior, Mapped):
            parent = prior  # a later round: only unfinished children run again
        else:
            # Deciding how many children there are is cheap: it runs here, not in the pool.
            parent = runner.run(prior, views, task_ctx, is_mapped_parent=True)
            if not isinstance(parent, Mapped):
                self._resolve(task, parent)
                return
        earlier = list(parent.map_states)
        n = parent.n_map_states
        self.parents[task] = parent
        self.children[task] = [None] * n
        self.children_left[task] = n
        if n == 0:
            self._finish_parent(task)
            return
        # Children travel to the executor in batches: one hand-off for several task runs
        # keeps a pool's overhead per child small (the executor picks the size).
        per_submit = max(1, self.executor.children_per_submit(n))
        batch: list[tuple[int, tuple[Any, ...]]] = []
        for i in range(n):
            before = earlier[i] if i < len(earlier) else None
            if before is not None and before.is_finished():
                self._child_done(task, i, before)
                continue
            child_upstream = {e: child_state(s, i) if e.mapped else s for e, s in views.items()}
            args = (before, child_upstream, {**task_ctx, "map_index": i})
            if per_submit == 1:
                self._submit(task, i, runner.run, *args)
                continue
            batch.append((i, args))
            if len(batch) == per_submit:
                self._submit_batch(task, runner, batch)
                batch = []
        if batch:
            self._submit_batch(task, runner, batch)

    def _submit_batch(self, task: Task, runner: TaskRunner,
                      batch: list[tuple[int, tuple[Any, ...]]]) -> None:
        indexes = [i for i, _ in batch]
        try:
            outcome = self.executor.submit(_run_children, runner, [args for _, args in batch])
        except Exception as exc:  # e.g. the task or its inputs do not pickle
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            outcome = [_executor_failure(task, i, exc) for i in indexes]
        if isinstance(outcome, list):
            for i, state in zip(indexes, outcome, strict=True):
                self._child_done(task, i, state)
            return
        self.outstanding += 1
        outcome.add_done_callback(lambda fut: self.done.put((task, indexes, fut)))

    def _submit(self, task: Task, index: int | None, fn: Callable[..., State],
                *args: Any) -> None:
        try:
            outcome = self.executor.submit(fn, *args)
        except Exception as exc:  # e.g. the task or its inputs do not pickle
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            outcome = _executor_failure(task, index, exc)
        if isinstance(outcome, State):
            self._finished(task, index, outcome)
            return
        self.outstanding += 1
        outcome.add_done_callback(lambda fut: self.done.put((task, index, fut)))

    def _collect(self, task: Task, index: int | list[int] | None, future: Any) -> None:
        try:
            outcome = future.result()
        except BaseException as exc:  # the worker died or the state did not travel back
            if raising_on_exception():  # caudal.utilities.debug.raise_on_exception
                raise
            failed = [_executor_failure(task, i, exc)
                      for i in (index if isinstance(index, list) else [index])]
            outcome = failed if isinstance(index, list) else failed[0]
        if isinstance(index, list):
            for i, state in zip(index, outcome, strict=True):
                self._child_done(task, i, state)
        else:
            self._finished(task, index, outcome)

    def _finished(self, task: Task, index: int | None, state: State) -> None:
        if index is None:
            self._resolve(task, state)
        else:
            self._child_done(task, index, state)

    def _child_done(self, task: Task, index: int, state: State) -> None:
        self.children[task][index] = state
        self.children_left[task] -= 1
        if self.children_left[task] == 0:
            self._finish_parent(task)

    def _finish_parent(self, task: Task) -> None:
        parent = self.parents.pop(task)
        parent.map_states = self.children.pop(task)
        del self.children_left[task]
        self._resolve(task, parent)


def _run_children(runner: TaskRunner, arglist: list[tuple[Any, ...]]) -> list[State]:
    """Run several mapped children one after the other (a batch, in one worker)."""
    return [runner.run(*args) for args in arglist]


def _portable_context(executor: Executor) -> dict[str, Any]:
    """The run context to send along with each task run to a pool or a cluster."""
    ctx = _context.to_dict()
    if not executor.shares_memory:
        # Objects that hold locks or the whole graph stay here; workers rebuild what they need.
        for key in ("flow", "logger", "case", "resource"):
            ctx.pop(key, None)
    return ctx


def _executor_failure(task: Task, index: int | None, exc: BaseException) -> State:
    name = task.name if index is None else f"{task.name}[{index}]"
    message = f"Task '{name}': the executor could not run it: {exc!r}"
    _logger.error(message)
    return Failed(message, result=exc)
