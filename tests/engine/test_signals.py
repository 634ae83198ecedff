"""Signals: a task raises one to end in the state it carries, and no `except Exception` stops it."""

from __future__ import annotations

import pytest

from caudal import Flow, task
from caudal.engine import signals
from caudal.engine.state import Cancelled, Failed, Paused, Retrying, Skipped, Success
from caudal.engine.task_runner import TaskRunner
from caudal.exceptions import CaudalSignal


@task
def fails():
    raise signals.FAIL("bad row")


@task
def succeeds_early():
    raise signals.SUCCESS("good enough", result=7)


@task
def skips():
    raise signals.SKIP("nothing to load today")


@task
def ends_run():
    raise signals.ENDRUN(Cancelled("stopped by hand"))


@task
def pauses():
    raise signals.PAUSE("waiting for approval")


@task
def retries():
    raise signals.RETRY("source not ready")


@task
def swallows_fail():
    try:
        raise signals.FAIL("kept")
    except Exception:
        return "swallowed"


@task
def swallows_skip():
    try:
        raise signals.SKIP("still skipped")
    except Exception:
        return "swallowed"


RETRY_CALLS: list[int] = []


@task
def retries_once():
    RETRY_CALLS.append(1)
    if len(RETRY_CALLS) == 1:
        raise signals.RETRY("again")
    return len(RETRY_CALLS)


def run_task(t):
    with Flow("signals") as flow:
        bound = t()
    return flow.run().result[bound]


@pytest.mark.parametrize(
    ("t", "cls", "message"),
    [
        (fails, Failed, "bad row"),
        (succeeds_early, Success, "good enough"),
        (skips, Skipped, "nothing to load today"),
        (ends_run, Cancelled, "stopped by hand"),
    ],
    ids=["FAIL", "SUCCESS", "SKIP", "ENDRUN"],
)
def test_signal_ends_task_in_its_state_with_its_message(t, cls, message):
    state = run_task(t)

    assert type(state) is cls
    assert state.message == message


def test_fail_signal_is_the_failed_state_result():
    state = run_task(fails)

    assert isinstance(state.result, signals.FAIL)


def test_success_signal_sets_result():
    assert run_task(succeeds_early).result == 7


def test_pause_signal_ends_task_run_paused():
    state = TaskRunner(pauses).run()

    assert isinstance(state, Paused)
    assert state.message == "waiting for approval"


def test_retry_signal_ends_task_run_retrying():
    state = TaskRunner(retries).run()

    assert isinstance(state, Retrying)
    assert state.message == "source not ready"


def test_retry_signal_in_flow_reruns_task_without_max_retries():
    RETRY_CALLS.clear()

    state = run_task(retries_once)

    assert isinstance(state, Success)
    assert state.result == 2


@pytest.mark.parametrize(("t", "cls", "message"), [(swallows_fail, Failed, "kept"),
                                                   (swallows_skip, Skipped, "still skipped")])
def test_signal_survives_except_exception_in_task(t, cls, message):
    state = run_task(t)

    assert type(state) is cls
    assert state.message == message


@pytest.mark.parametrize(
    "signal",
    [signals.FAIL, signals.SUCCESS, signals.SKIP, signals.RETRY, signals.PAUSE,
     signals.TRIGGERFAIL],
)
def test_signals_are_base_exceptions_not_exceptions(signal):
    assert issubclass(signal, BaseException)
    assert issubclass(signal, CaudalSignal)
    assert not issubclass(signal, Exception)


def test_signal_carries_state_with_message_and_itself_as_result():
    sig = signals.FAIL("m")

    assert isinstance(sig.state, Failed)
    assert sig.state.message == "m"
    assert sig.state.result is sig
    assert repr(sig) == "FAIL('m')"


def test_endrun_carries_given_state():
    given = Success("x")

    assert signals.ENDRUN(given).state is given


def test_trigger_fail_is_a_fail():
    assert issubclass(signals.TRIGGERFAIL, signals.FAIL)


def test_fail_signal_logs_signal_raised_line(capsys):
    run_task(fails)

    out = capsys.readouterr().out
    assert "INFO - caudal.TaskRunner | FAIL signal raised: FAIL('bad row')" in out


def test_skip_signal_logs_signal_raised_line(capsys):
    run_task(skips)

    assert "SKIP signal raised: SKIP('nothing to load today')" in capsys.readouterr().out
