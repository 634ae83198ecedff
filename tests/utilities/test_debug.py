"""raise_on_exception (task errors propagate out of flow.run) and is_serializable, as in
Prefect 0.15's ``prefect.utilities.debug``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import timedelta

import pytest

import caudal
from caudal import Flow, task
from caudal.engine import signals
from caudal.utilities.debug import is_serializable, raise_on_exception


@task
def divide(x):
    return 1 / x


@task
def skip():
    raise signals.SKIP("nothing to do")


@task
def fail():
    raise signals.FAIL("bad rows")


attempts = []


@task(max_retries=2, retry_delay=timedelta(0))
def flaky():
    attempts.append(1)
    raise ConnectionError("database away")


def test_raise_on_exception_sets_the_context_key_for_the_block_only():
    with raise_on_exception() as given:
        inside = caudal.context.get("raise_on_exception")

    assert (given, inside, caudal.context.get("raise_on_exception")) == (None, True, None)


def test_task_error_propagates_out_of_flow_run():
    with Flow("debug") as flow:
        divide(0)

    with raise_on_exception(), pytest.raises(ZeroDivisionError):
        flow.run()


def test_error_of_a_mapped_child_propagates():
    with Flow("debug map") as flow:
        divide.map([1, 0, 2])

    with raise_on_exception(), pytest.raises(ZeroDivisionError):
        flow.run()


def test_error_propagates_at_the_first_attempt_without_retrying():
    attempts.clear()
    with Flow("debug retries") as flow:
        flaky()

    with raise_on_exception(), pytest.raises(ConnectionError):
        flow.run()

    assert attempts == [1]


def test_state_handler_and_trigger_errors_propagate():
    def broken_handler(task, old, new):
        raise KeyError("handler")

    @task(state_handlers=[broken_handler])
    def handled():
        return 1

    @task(trigger=lambda upstream: 1 / 0)
    def triggered():
        return 1

    for broken, error in ((handled, KeyError), (triggered, ZeroDivisionError)):
        with Flow("debug handlers") as flow:
            broken()
        with raise_on_exception(), pytest.raises(error):
            flow.run()


def test_signals_still_set_states_in_the_block():
    with Flow("signals") as flow:
        skipped, failed = skip(), fail()

    with raise_on_exception():
        state = flow.run()

    assert state.is_failed()
    assert (type(state.result[skipped]).__name__, type(state.result[failed]).__name__) == (
        "Skipped", "Failed")


def test_without_the_block_task_errors_become_failed_states():
    with Flow("no debug") as flow:
        result = divide(0)

    state = flow.run()

    assert isinstance(state.result[result].result, ZeroDivisionError)


def test_is_serializable_for_a_flow_and_for_a_lock():
    with Flow("serializable") as flow:
        divide(1)

    assert is_serializable(flow) is True
    assert is_serializable(threading.Lock()) is False
    with pytest.raises(TypeError, match="pickle"):
        is_serializable(threading.Lock(), raise_on_error=True)


def test_is_serializable_is_false_for_what_a_fresh_process_cannot_load(tmp_path):
    # A class from a module that only this process can import (its folder is on sys.path
    # here, not in the new interpreter).
    (tmp_path / "only_here.py").write_text(textwrap.dedent("""
        class Row:
            pass
    """))
    sys.path.insert(0, str(tmp_path))
    try:
        import only_here

        row = only_here.Row()
        assert is_serializable(row) is False
        with pytest.raises(subprocess.CalledProcessError) as excinfo:
            is_serializable(row, raise_on_error=True)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("only_here", None)

    assert b"No module named 'only_here'" in excinfo.value.output
