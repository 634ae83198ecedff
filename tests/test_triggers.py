"""Triggers: called directly on upstream states, and deciding task runs inside flows."""

from __future__ import annotations

import pytest

import caudal
from caudal import Flow, task, triggers
from caudal.engine import signals
from caudal.engine.state import (
    Failed,
    Mapped,
    Paused,
    Pending,
    Skipped,
    State,
    Success,
    TriggerFailed,
)
from caudal.engine.task_runner import TaskRunner


def upstream(*states: State) -> dict[int, State]:
    """Upstream states keyed as the runner keys them (one key per edge)."""
    return dict(enumerate(states))


def trigger_fail_message(trigger, states) -> str:
    with pytest.raises(signals.TRIGGERFAIL) as excinfo:
        trigger(states)
    return str(excinfo.value)


ALL_SUCCESSFUL_FAILED = 'Trigger was "all_successful" but some of the upstream tasks failed.'
ALL_FINISHED_UNFINISHED = (
    'Trigger was "all_finished" but some of the upstream tasks were not finished.'
)
ANY_SUCCESSFUL_NONE = 'Trigger was "any_successful" but none of the upstream tasks succeeded.'
ANY_FAILED_NONE = 'Trigger was "any_failed" but none of the upstream tasks failed.'
ALL_FAILED_SUCCEEDED = 'Trigger was "all_failed" but some of the upstream tasks succeeded.'
NOT_ALL_SKIPPED_FAILED = 'Trigger was "not_all_skipped" but some of the upstream tasks failed.'


# ------------------------------------------------------------------ called directly


def test_all_successful_with_all_successful():
    assert triggers.all_successful(upstream(Success(), Skipped())) is True


def test_all_successful_with_no_upstream():
    assert triggers.all_successful({}) is True


def test_all_successful_with_some_failed():
    message = trigger_fail_message(triggers.all_successful, upstream(Success(), Failed()))

    assert message == ALL_SUCCESSFUL_FAILED


def test_all_successful_with_pending_upstream():
    message = trigger_fail_message(triggers.all_successful, upstream(Success(), Pending()))

    assert message == ALL_SUCCESSFUL_FAILED


def test_all_successful_with_mapped_upstream_holding_failed_child():
    states = upstream(Mapped(map_states=[Success(), Failed()]))

    assert trigger_fail_message(triggers.all_successful, states) == ALL_SUCCESSFUL_FAILED


def test_all_finished_with_failed_and_skipped():
    assert triggers.all_finished(upstream(Failed(), Skipped(), TriggerFailed())) is True


def test_all_finished_with_pending_upstream():
    message = trigger_fail_message(triggers.all_finished, upstream(Success(), Pending()))

    assert message == ALL_FINISHED_UNFINISHED


def test_always_run_is_all_finished():
    assert triggers.always_run(upstream(Failed())) is True
    assert trigger_fail_message(triggers.always_run, upstream(Pending())) == (
        ALL_FINISHED_UNFINISHED
    )


def test_manual_only_pauses_with_message():
    with pytest.raises(signals.PAUSE) as excinfo:
        triggers.manual_only(upstream(Success()))

    assert str(excinfo.value) == 'Trigger function is "manual_only"'
    assert isinstance(excinfo.value.state, Paused)


def test_manual_only_with_no_upstream_pauses():
    with pytest.raises(signals.PAUSE):
        triggers.manual_only({})


def test_manual_only_runs_when_resumed():
    with caudal.context(resume=True):
        assert triggers.manual_only(upstream(Success())) is True


def test_any_successful_with_one_success():
    assert triggers.any_successful(upstream(Failed(), Success())) is True


def test_any_successful_with_no_upstream():
    assert triggers.any_successful({}) is True


def test_any_successful_with_all_failed():
    message = trigger_fail_message(triggers.any_successful, upstream(Failed(), Failed()))

    assert message == ANY_SUCCESSFUL_NONE


def test_any_failed_with_one_failed():
    assert triggers.any_failed(upstream(Success(), TriggerFailed())) is True


def test_any_failed_with_all_successful_or_skipped():
    message = trigger_fail_message(triggers.any_failed, upstream(Success(), Skipped()))

    assert message == ANY_FAILED_NONE


def test_any_failed_with_pending_upstream():
    assert trigger_fail_message(triggers.any_failed, upstream(Pending())) == ANY_FAILED_NONE


def test_all_failed_with_all_failed():
    assert triggers.all_failed(upstream(Failed(), TriggerFailed())) is True


def test_all_failed_with_some_successful():
    message = trigger_fail_message(triggers.all_failed, upstream(Failed(), Skipped()))

    assert message == ALL_FAILED_SUCCEEDED


def test_not_all_skipped_with_some_successful():
    assert triggers.not_all_skipped(upstream(Skipped(), Success())) is True


def test_not_all_skipped_with_all_skipped_skips():
    with pytest.raises(signals.SKIP) as excinfo:
        triggers.not_all_skipped(upstream(Skipped(), Skipped()))

    assert str(excinfo.value) == "All upstreams were skipped"


def test_not_all_skipped_with_some_failed():
    message = trigger_fail_message(triggers.not_all_skipped, upstream(Skipped(), Failed()))

    assert message == NOT_ALL_SKIPPED_FAILED


def four_states() -> dict[int, State]:
    """Two successes and two failures."""
    return upstream(Success(), Failed(), Failed(), Success())


@pytest.mark.parametrize(
    ("make_trigger", "passes"),
    [
        (lambda: triggers.some_failed(at_least=1), True),
        (lambda: triggers.some_failed(at_least=3), False),
        (lambda: triggers.some_failed(at_most=1), False),
        (lambda: triggers.some_failed(at_most=2), True),
        (lambda: triggers.some_failed(at_least=0.5), True),
        (lambda: triggers.some_failed(at_least=0.75), False),
        (lambda: triggers.some_failed(at_most=0.25), False),
        (lambda: triggers.some_failed(at_least=1, at_most=2), True),
        (lambda: triggers.some_successful(at_least=2), True),
        (lambda: triggers.some_successful(at_least=3), False),
        (lambda: triggers.some_successful(at_most=0.25), False),
        (lambda: triggers.some_successful(at_most=0.5), True),
    ],
    ids=[
        "some_failed-at_least_1",
        "some_failed-at_least_3",
        "some_failed-at_most_1",
        "some_failed-at_most_2",
        "some_failed-at_least_half",
        "some_failed-at_least_three_quarters",
        "some_failed-at_most_quarter",
        "some_failed-between_1_and_2",
        "some_successful-at_least_2",
        "some_successful-at_least_3",
        "some_successful-at_most_quarter",
        "some_successful-at_most_half",
    ],
)
def test_threshold_triggers_with_two_of_four_failed(make_trigger, passes):
    trigger = make_trigger()
    name = "some_failed" if "failed" in trigger.__name__ else "some_successful"

    if passes:
        assert trigger(four_states()) is True
    else:
        assert trigger_fail_message(trigger, four_states()) == (
            f'Trigger was "{name}" but thresholds were not met.'
        )


@pytest.mark.parametrize("make_trigger", [lambda: triggers.some_failed(at_least=5),
                                          lambda: triggers.some_successful(at_least=5)])
def test_threshold_triggers_with_no_upstream(make_trigger):
    assert make_trigger()({}) is True


# ------------------------------------------------------------------ inside flows


@task
def ok():
    return "ok"


@task
def broken():
    raise ValueError("broken")


@task
def skipped():
    raise signals.SKIP("not today")


def run_downstream(trigger, *upstream_tasks, skip_on_upstream_skip=True):
    @task(trigger=trigger, skip_on_upstream_skip=skip_on_upstream_skip)
    def downstream():
        return "ran"

    with Flow("trigger") as flow:
        out = downstream(upstream_tasks=[t() for t in upstream_tasks])
    return flow.run().result[out]


def test_all_successful_in_flow_with_failed_upstream_ends_trigger_failed():
    state = run_downstream(triggers.all_successful, ok, broken)

    assert isinstance(state, TriggerFailed)
    assert state.message == ALL_SUCCESSFUL_FAILED


def test_all_finished_in_flow_runs_after_failure():
    assert run_downstream(triggers.all_finished, ok, broken).result == "ran"


def test_always_run_in_flow_runs_after_failure():
    assert run_downstream(triggers.always_run, broken).result == "ran"


def test_any_successful_in_flow_runs_with_one_success():
    assert run_downstream(triggers.any_successful, ok, broken).result == "ran"


def test_any_successful_in_flow_with_all_failed_ends_trigger_failed():
    state = run_downstream(triggers.any_successful, broken, broken)

    assert isinstance(state, TriggerFailed)
    assert state.message == ANY_SUCCESSFUL_NONE


def test_any_failed_in_flow_runs_with_one_failure():
    assert run_downstream(triggers.any_failed, ok, broken).result == "ran"


def test_any_failed_in_flow_with_none_failed_ends_trigger_failed():
    state = run_downstream(triggers.any_failed, ok)

    assert isinstance(state, TriggerFailed)
    assert state.message == ANY_FAILED_NONE


def test_all_failed_in_flow_runs_when_all_failed():
    assert run_downstream(triggers.all_failed, broken, broken).result == "ran"


def test_all_failed_in_flow_with_one_success_ends_trigger_failed():
    state = run_downstream(triggers.all_failed, broken, ok)

    assert isinstance(state, TriggerFailed)
    assert state.message == ALL_FAILED_SUCCEEDED


def test_not_all_skipped_in_flow_runs_with_one_success():
    state = run_downstream(triggers.not_all_skipped, skipped, ok, skip_on_upstream_skip=False)

    assert state.result == "ran"


def test_not_all_skipped_in_flow_with_all_skipped_ends_skipped():
    state = run_downstream(triggers.not_all_skipped, skipped, skipped,
                           skip_on_upstream_skip=False)

    assert isinstance(state, Skipped)
    assert state.message == "All upstreams were skipped"


def test_some_failed_in_flow_within_thresholds_runs():
    assert run_downstream(triggers.some_failed(at_least=1, at_most=1), ok, broken).result == "ran"


def test_some_successful_in_flow_outside_thresholds_ends_trigger_failed():
    state = run_downstream(triggers.some_successful(at_least=2), ok, broken)

    assert isinstance(state, TriggerFailed)
    assert state.message == 'Trigger was "some_successful" but thresholds were not met.'


def test_manual_only_task_run_ends_paused():
    # Through the TaskRunner, not flow.run(): nothing here may wait for a terminal.
    @task(trigger=triggers.manual_only)
    def approve():
        return "approved"

    state = TaskRunner(approve).run()

    assert isinstance(state, Paused)
    assert state.message == 'Trigger function is "manual_only"'
