"""caudal.exceptions: the error tree, and Prefect 0.15's names for its signal and error bases."""

from __future__ import annotations

import pytest

from caudal import Flow, task
from caudal.engine import signals
from caudal.exceptions import (
    CaudalError,
    CaudalSignal,
    ClientError,
    FlowStorageError,
    PrefectException,
    PrefectSignal,
    TaskTimeoutSignal,
)


def test_every_engine_signal_is_a_prefect_signal_and_no_exception():
    for signal in (signals.FAIL, signals.SKIP, signals.RETRY, signals.PAUSE, signals.LOOP,
                   signals.SUCCESS, signals.TRIGGERFAIL, signals.ENDRUN, TaskTimeoutSignal):
        assert issubclass(signal, PrefectSignal)
        assert not issubclass(signal, Exception)
    assert signals.PrefectSignal is PrefectSignal is CaudalSignal


def test_task_timeout_signal_is_the_one_the_engine_raises():
    assert signals.TaskTimeoutSignal is TaskTimeoutSignal


def test_pipeline_catching_prefect_signal_sees_fail_raised_in_a_task():
    caught = []

    @task
    def guarded():
        try:
            raise signals.FAIL("bad rows")
        except PrefectSignal as sig:
            caught.append(type(sig).__name__)
            raise

    with Flow("signals") as flow:
        result = guarded()

    state = flow.run()

    assert caught == ["FAIL"]
    assert state.result[result].message == "bad rows"


def test_prefect_exception_catches_caudal_errors():
    for error in (ClientError("refused"), FlowStorageError("missing")):
        with pytest.raises(PrefectException):
            raise error
    assert PrefectException is CaudalError
