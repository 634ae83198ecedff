"""TaskRunner: retries, timeouts, state handlers, on_failure, skips, triggers, errors."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import caudal
from caudal import Flow, Parameter, task, unmapped
from caudal.core.edge import Edge
from caudal.engine import signals
from caudal.engine.state import (
    Cached,
    Failed,
    Pending,
    Retrying,
    Running,
    Skipped,
    State,
    Success,
    TimedOut,
    TriggerFailed,
)
from caudal.engine.task_runner import TaskRunner

Transition = tuple[str, str]


def recorder(seen: list[Transition]):
    def handler(task, old_state: State, new_state: State) -> State:
        seen.append((type(old_state).__name__, type(new_state).__name__))
        return new_state

    return handler


@task
def ok():
    return 1


@task
def add_one(x):
    return x + 1


@task
def broken():
    raise ValueError("broken")


@task
def skipper():
    raise signals.SKIP("skip me")


CALLS = {"flaky": 0}


@task(max_retries=2, retry_delay=timedelta(seconds=0))
def flaky():
    CALLS["flaky"] += 1
    if CALLS["flaky"] < 3:
        raise ValueError(f"attempt {CALLS['flaky']} failed")
    return CALLS["flaky"]


def run_alone(t) -> State:
    with Flow("one task") as flow:
        bound = t()
    return flow.run().result[bound]


# ------------------------------------------------------------------ running one task


def test_successful_task_ends_success_with_result():
    state = TaskRunner(ok).run()

    assert isinstance(state, Success)
    assert (state.message, state.result) == ("Task run succeeded.", 1)


def test_task_raising_error_ends_failed_with_error_as_result():
    state = TaskRunner(broken).run()

    assert isinstance(state, Failed)
    assert state.message == "Error during execution of task: ValueError('broken')"
    assert isinstance(state.result, ValueError)


def test_task_receives_upstream_result_through_keyed_edge():
    up = ok.copy()
    down = add_one.copy()

    state = TaskRunner(down).run(upstream_states={Edge(up, down, key="x"): Success(result=4)})

    assert state.result == 5


def test_task_with_finished_state_is_not_run_again():
    done = Success(result=9)

    state = TaskRunner(broken).run(state=done)

    assert state is done


def test_task_with_failed_upstream_ends_trigger_failed():
    up, down = ok.copy(), add_one.copy()

    state = TaskRunner(down).run(upstream_states={Edge(up, down, key="x"): Failed("no")})

    assert isinstance(state, TriggerFailed)
    assert state.message == 'Trigger was "all_successful" but some of the upstream tasks failed.'


def test_task_run_logs_start_and_final_state(capsys):
    TaskRunner(ok).run()

    out = capsys.readouterr().out
    assert "INFO - caudal.TaskRunner | Task 'ok': Starting task run..." in out
    assert (
        "INFO - caudal.TaskRunner | Task 'ok': Finished task run for task with final state: "
        "'Success'" in out
    )


def test_task_error_logs_exception_line(capsys):
    TaskRunner(broken).run()

    out = capsys.readouterr().out
    assert "ERROR - caudal.TaskRunner | Task 'broken': Exception encountered during task execution!" in out
    assert "ValueError: broken" in out


# ------------------------------------------------------------------ retries


def test_failed_task_with_retries_left_ends_retrying_with_attempt_message():
    @task(max_retries=2, retry_delay=timedelta(seconds=1))
    def always_fails():
        raise ValueError("no")

    before = time.monotonic()
    state = TaskRunner(always_fails).run()

    assert isinstance(state, Retrying)
    assert state.message == "Retrying Task (after attempt 1 of 3)"
    assert state.run_count == 1
    # The runner schedules the retry; it does not sleep.
    assert time.monotonic() - before < 0.5


def test_retrying_state_run_again_counts_the_attempt():
    @task(max_retries=2, retry_delay=timedelta(seconds=0))
    def always_fails():
        raise ValueError("no")

    first = TaskRunner(always_fails).run()
    second = TaskRunner(always_fails).run(state=first)
    third = TaskRunner(always_fails).run(state=second)

    assert second.message == "Retrying Task (after attempt 2 of 3)"
    assert isinstance(third, Failed)


def test_task_with_retries_ends_success_after_three_attempts():
    CALLS["flaky"] = 0

    state = run_alone(flaky)

    assert isinstance(state, Success)
    assert state.result == 3
    assert CALLS["flaky"] == 3


def test_retries_show_in_state_handler_transitions():
    seen: list[Transition] = []

    @task(max_retries=1, retry_delay=timedelta(seconds=0), state_handlers=[recorder(seen)])
    def always_fails():
        raise ValueError("no")

    state = run_alone(always_fails)

    assert isinstance(state, Failed)
    assert seen == [
        ("Pending", "Running"),
        ("Running", "Failed"),
        ("Failed", "Retrying"),
        ("Retrying", "Running"),
        ("Running", "Failed"),
    ]


# ------------------------------------------------------------------ timeouts


@task(timeout=1)
def sleeps_five_seconds():
    time.sleep(5)
    return "done"


def test_task_past_its_timeout_ends_timed_out_long_before_it_would_finish():
    before = time.monotonic()

    state = run_alone(sleeps_five_seconds)

    assert isinstance(state, TimedOut)
    assert state.message == "Task timed out during execution."
    assert time.monotonic() - before < 3


def test_task_past_its_timeout_outside_main_thread_ends_timed_out():
    found: dict[str, State] = {}

    def target() -> None:
        found["state"] = TaskRunner(sleeps_five_seconds).run()

    before = time.monotonic()
    worker = threading.Thread(target=target)
    worker.start()
    worker.join(10)

    assert isinstance(found["state"], TimedOut)
    assert time.monotonic() - before < 3


def test_task_within_its_timeout_succeeds():
    @task(timeout=1)
    def quick():
        return "quick"

    assert run_alone(quick).result == "quick"


# ------------------------------------------------------------------ state handlers


def test_task_state_handlers_see_pending_running_success():
    seen: list[Transition] = []

    state = run_alone(ok.copy(state_handlers=[recorder(seen)]))

    assert isinstance(state, Success)
    assert seen == [("Pending", "Running"), ("Running", "Success")]


def test_state_handler_returning_other_state_changes_final_state():
    def skip_successes(task, old_state, new_state):
        if isinstance(new_state, Success):
            return Skipped("handler skipped")
        return new_state

    state = run_alone(ok.copy(state_handlers=[skip_successes]))

    assert isinstance(state, Skipped)
    assert state.message == "handler skipped"


def test_state_handler_raising_error_fails_task():
    def broken_handler(task, old_state, new_state):
        raise RuntimeError("handler broke")

    state = run_alone(ok.copy(state_handlers=[broken_handler]))

    assert isinstance(state, Failed)
    assert state.message == (
        "Unexpected error while calling state handlers: RuntimeError('handler broke')"
    )
    assert isinstance(state.result, RuntimeError)


def test_on_failure_is_called_with_failed_state():
    calls: list[tuple[str, State]] = []

    @task(on_failure=lambda t, s: calls.append((t.name, s)))
    def fails_here():
        raise ValueError("x")

    state = run_alone(fails_here)

    assert calls == [("fails_here", state)]
    assert isinstance(calls[0][1], Failed)


def test_on_failure_is_not_called_on_success():
    calls: list[State] = []

    @task(on_failure=lambda t, s: calls.append(s))
    def fine():
        return 1

    run_alone(fine)

    assert calls == []


def test_runner_state_handlers_run_after_task_handlers():
    order: list[str] = []

    def task_handler(task, old_state, new_state):
        order.append("task")
        return new_state

    def runner_handler(task, old_state, new_state):
        order.append("runner")
        return new_state

    TaskRunner(ok.copy(state_handlers=[task_handler]), state_handlers=[runner_handler]).run()

    assert order == ["task", "runner", "task", "runner"]


# ------------------------------------------------------------------ skips and triggers


def test_task_after_skipped_upstream_is_skipped_by_default():
    with Flow("skip") as flow:
        out = add_one(skipper())

    state = flow.run().result[out]

    assert isinstance(state, Skipped)
    assert "skip_on_upstream_skip=False" in state.message


def test_task_with_skip_on_upstream_skip_false_runs_after_skip():
    @task(skip_on_upstream_skip=False)
    def runs_anyway(x=None):
        return f"ran with {x!r}"

    with Flow("no skip") as flow:
        out = runs_anyway(skipper())

    state = flow.run().result[out]

    assert isinstance(state, Success)
    assert state.result.startswith("ran with")


def test_trigger_raising_plain_error_ends_trigger_failed():
    def broken_trigger(upstream_states):
        raise RuntimeError("trigger broke")

    @task(trigger=broken_trigger)
    def guarded():
        return 1

    with Flow("bad trigger") as flow:
        out = guarded(upstream_tasks=[ok()])

    state = flow.run().result[out]

    assert isinstance(state, TriggerFailed)
    assert state.message == (
        "Unexpected error while checking task trigger: RuntimeError('trigger broke')"
    )


def test_trigger_returning_false_ends_trigger_failed():
    @task(trigger=lambda upstream_states: False)
    def never():
        return 1

    state = TaskRunner(never).run()

    assert isinstance(state, TriggerFailed)


def test_task_given_running_state_is_not_run_again():
    # A run already Running elsewhere (say, in a crashed process) is left as it is.
    running = Running("elsewhere")

    assert TaskRunner(ok).run(state=running) is running


def test_task_given_pending_state_runs():
    assert isinstance(TaskRunner(ok).run(state=Pending()), Success)


# ------------------------------------------------------------------ output, run names, caching


@task(log_stdout=True)
def prints():
    print("printed line")
    return 1


def test_log_stdout_sends_print_output_to_the_log(capsys):
    run_alone(prints)

    assert "INFO - caudal.TaskRunner | printed line" in capsys.readouterr().out


def test_task_run_name_template_is_formatted_with_inputs():
    @task(task_run_name="run-{x}")
    def named(x):
        return caudal.context.get("task_run_name")

    with Flow("run names") as flow:
        out = named(5)

    assert flow.run().result[out].result == "run-5"


def test_task_run_name_sees_parameters_context_and_inputs_in_templates_and_callables():
    @task(task_run_name="{flow_name}/{table}/{x}")
    def from_template(x):
        return caudal.context.get("task_run_name")

    @task(task_run_name=lambda **kw: f"{kw['table']}-{kw['map_index']}-{kw['x']}")
    def from_callable(x):
        return caudal.context.get("task_run_name")

    with Flow("named runs") as flow:
        table = Parameter("table", default="iptu")
        templated = from_template(1, upstream_tasks=[table])
        called = from_callable.map([7, 8], upstream_tasks=[unmapped(table)])

    state = flow.run()

    assert state.result[templated].result == "named runs/iptu/1"
    assert state.result[called].result == ["iptu-0-7", "iptu-1-8"]


CACHED_CALLS: list[int] = []


@task(cache_for=timedelta(minutes=5))
def cached_double(x):
    CACHED_CALLS.append(x)
    return 2 * x


def test_cache_for_reuses_result_in_next_run():
    CACHED_CALLS.clear()
    with Flow("cached") as flow:
        out = cached_double(2)

    first = flow.run().result[out]
    second = flow.run().result[out]

    assert isinstance(first, Cached) and isinstance(second, Cached)
    assert second.result == 4
    assert CACHED_CALLS == [2]
