"""FlowRunner and flow.run(): retry rounds, the flow's state, flow handlers, given task states."""

from __future__ import annotations

import io
import sys
import time
from datetime import timedelta

from caudal import Flow, Parameter, task, triggers
from caudal.engine.flow_runner import FlowRunner
from caudal.engine.state import (
    Failed,
    Paused,
    Pending,
    Running,
    Skipped,
    State,
    Success,
    TriggerFailed,
)


@task
def one():
    return 1


@task
def plus(x):
    return x + 1


@task
def broken():
    raise ValueError("broken")


ATTEMPTS = {"flaky": 0}


@task(max_retries=2, retry_delay=timedelta(seconds=0.5))
def flaky():
    ATTEMPTS["flaky"] += 1
    if ATTEMPTS["flaky"] < 2:
        raise ValueError("not yet")
    return ATTEMPTS["flaky"]


def flow_handler_recorder(seen: list[tuple[str, str]]):
    def handler(flow, old_state: State, new_state: State) -> State:
        seen.append((type(old_state).__name__, type(new_state).__name__))
        return new_state

    return handler


# ------------------------------------------------------------------ the flow's state


def test_flow_with_all_tasks_successful_ends_success():
    with Flow("ok") as flow:
        plus(one())

    state = flow.run()

    assert isinstance(state, Success)
    assert state.message == "All reference tasks succeeded."


def test_flow_with_failed_terminal_task_ends_failed():
    with Flow("failing") as flow:
        a = broken()
        b = plus(a)

    state = flow.run()

    assert isinstance(state, Failed)
    assert state.message == "Some reference tasks failed."
    assert isinstance(state.result[a], Failed)
    assert isinstance(state.result[b], TriggerFailed)


def test_flow_run_logs_beginning_and_outcome(capsys):
    with Flow("logged") as flow:
        one()

    flow.run()

    out = capsys.readouterr().out
    assert "INFO - caudal.FlowRunner | Beginning Flow run for 'logged'" in out
    assert "INFO - caudal.FlowRunner | Flow run SUCCESS: all reference tasks succeeded" in out


def test_reference_tasks_decide_flow_state():
    with Flow("reference") as flow:
        a = one()
        b = broken(upstream_tasks=[a])
    flow.set_reference_tasks([a])

    state = flow.run()

    assert isinstance(state, Success)
    assert isinstance(state.result[b], Failed)


def test_skipped_reference_task_leaves_flow_successful():
    @task
    def skips():
        from caudal.engine import signals

        raise signals.SKIP("nothing to do")

    with Flow("skipped") as flow:
        skips()

    state = flow.run()

    assert isinstance(state, Success)


def test_flow_runner_runs_with_given_parameters():
    with Flow("runner") as flow:
        out = plus(Parameter("x"))

    state = FlowRunner(flow).run(parameters={"x": 41}, return_tasks=flow.tasks)

    assert state.result[out].result == 42


# ------------------------------------------------------------------ retry rounds


def test_flow_run_waits_retry_delay_and_reruns_task(capsys):
    ATTEMPTS["flaky"] = 0
    with Flow("retries") as flow:
        out = flaky()

    before = time.monotonic()
    state = flow.run()
    elapsed = time.monotonic() - before

    assert isinstance(state, Success)
    assert state.result[out].result == 2
    assert ATTEMPTS["flaky"] == 2
    assert elapsed >= 0.5
    out_text = capsys.readouterr().out
    assert "INFO - caudal.retries | Waiting for next available Task run at " in out_text
    assert out_text.count("Beginning Flow run for 'retries'") == 2


def test_downstream_task_waits_for_retried_upstream():
    ATTEMPTS["flaky"] = 0
    with Flow("retry chain") as flow:
        out = plus(flaky())

    state = flow.run()

    assert state.result[out].result == 3


MAP_CALLS: dict[str, int] = {}


@task(max_retries=1, retry_delay=timedelta(seconds=0))
def sync(table):
    MAP_CALLS[table] = MAP_CALLS.get(table, 0) + 1
    if table == "flaky" and MAP_CALLS[table] == 1:
        raise TimeoutError("lock wait timeout")
    return f"{table} synced on try {MAP_CALLS[table]}"


def test_retry_round_reruns_only_unfinished_mapped_children():
    MAP_CALLS.clear()
    with Flow("mapped retries") as flow:
        out = sync.map(["stable", "flaky"])

    state = flow.run()

    assert state.result[out].result == ["stable synced on try 1", "flaky synced on try 2"]
    assert MAP_CALLS == {"stable": 1, "flaky": 2}


# ------------------------------------------------------------------ flow handlers


def test_flow_state_handler_sees_scheduled_to_running_then_final_state():
    seen: list[tuple[str, str]] = []
    with Flow("handled", state_handlers=[flow_handler_recorder(seen)]) as flow:
        one()

    flow.run()

    assert seen == [("Scheduled", "Running"), ("Running", "Success")]


def test_flow_state_handler_returning_other_state_changes_flow_state():
    def veto(flow, old_state, new_state):
        if new_state.is_successful():
            return Failed("handler says no", result=new_state.result)
        return new_state

    with Flow("vetoed", state_handlers=[veto]) as flow:
        out = one()

    state = flow.run()

    assert isinstance(state, Failed)
    assert state.message == "handler says no"
    assert state.result[out].result == 1


def test_flow_state_handler_ending_the_run_as_it_starts_runs_no_task():
    """A skip-if-running handler: Skipped instead of Running, and nothing runs."""
    ran: list[int] = []

    @task
    def work():
        ran.append(1)

    def skip_if_running(flow, old_state, new_state):
        return Skipped("another run is running") if new_state.is_running() else new_state

    with Flow("skipping", state_handlers=[skip_if_running]) as flow:
        out = work()

    state = flow.run()

    assert isinstance(state, Skipped)
    assert state.message == "another run is running"
    assert ran == []
    assert isinstance(state.result[out], Pending)


def test_flow_on_failure_called_with_failed_state():
    calls: list[tuple[str, State]] = []
    with Flow("failing", on_failure=lambda f, s: calls.append((f.name, s))) as flow:
        broken()

    state = flow.run()

    assert calls == [("failing", state)]
    assert isinstance(state, Failed)


def test_flow_on_failure_not_called_on_success():
    calls: list[State] = []
    with Flow("fine", on_failure=lambda f, s: calls.append(s)) as flow:
        one()

    flow.run()

    assert calls == []


def test_terminal_state_handler_can_change_final_state():
    seen: list[tuple[str, set[str]]] = []

    def forgive(flow, state, reference_states):
        seen.append((type(state).__name__, {type(s).__name__ for s in reference_states}))
        return Success("forgiven", result=state.result)

    with Flow("forgiving", terminal_state_handler=forgive) as flow:
        broken()

    state = flow.run()

    assert isinstance(state, Success)
    assert state.message == "forgiven"
    assert seen == [("Failed", {"Failed"})]


def test_terminal_state_handler_returning_none_keeps_state():
    with Flow("kept", terminal_state_handler=lambda flow, state, refs: None) as flow:
        broken()

    assert isinstance(flow.run(), Failed)


# ------------------------------------------------------------------ starting from given states


def test_run_with_task_states_reruns_only_pending_tasks():
    ran: list[str] = []

    @task
    def source():
        ran.append("source")
        return 1

    @task
    def step(x):
        ran.append("step")
        return x + 1

    with Flow("restart") as flow:
        a = source()
        b = step(a)
        c = step(b)

    state = flow.run(task_states={a: Success(result=10), b: Pending()})

    assert ran == ["step", "step"]
    assert [state.result[t].result for t in (a, b, c)] == [10, 11, 12]


def test_run_with_finished_task_states_runs_only_the_rest():
    ran: list[str] = []

    @task
    def step(x):
        ran.append("step")
        return x + 1

    with Flow("restart") as flow:
        a = one()
        b = step(a)
        c = step(b)

    state = flow.run(task_states={a: Success(result=10), b: Success(result=100)})

    assert ran == ["step"]
    assert state.result[c].result == 101


def test_run_with_context_makes_keys_visible_in_tasks():
    import caudal

    @task
    def env():
        return caudal.context.get("env")

    with Flow("context") as flow:
        out = env()

    assert flow.run(context={"env": "staging"}).result[out].result == "staging"


def test_manual_only_flow_without_terminal_returns_running(monkeypatch, capsys):
    # caudal's own behaviour: with no TTY, a paused run is left Running instead of prompting.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))

    @task(trigger=triggers.manual_only)
    def approve(x):
        return x

    with Flow("approval") as flow:
        first = one()
        waiting = approve(first)

    state = flow.run()

    assert isinstance(state, Running)
    assert isinstance(state.result[first], Success)
    assert isinstance(state.result[waiting], Paused)
    assert "Paused" in capsys.readouterr().out


def test_skipped_upstream_skips_downstream_and_flow_succeeds():
    @task
    def skips():
        from caudal.engine import signals

        raise signals.SKIP("no rows")

    with Flow("skips") as flow:
        out = plus(skips())

    state = flow.run()

    assert isinstance(state.result[out], Skipped)
    assert isinstance(state, Success)
