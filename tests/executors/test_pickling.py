"""What crosses between processes: errors keep their type and message, states that cannot
travel become Failed states that say why."""

from __future__ import annotations

import threading

import pytest

from caudal.engine.state import Failed, Success
from caudal.executors.pickling import (
    dumps,
    dumps_by_value,
    dumps_states,
    find_pickling_error,
    loads,
)


class TwoArguments(Exception):
    """Unpickling calls ``TwoArguments(*args)`` with one argument: it fails as it is."""

    def __init__(self, table: str, row: int) -> None:
        super().__init__(f"{table}: row {row}")
        self.table = table


class HoldsALock(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()
        self.detail = "kept"


@pytest.mark.parametrize("dump", [dumps, dumps_by_value])
@pytest.mark.parametrize("error", [ValueError("bad"), TwoArguments("users", 7),
                                   HoldsALock("locked")])
def test_error_comes_back_with_its_class_and_message(dump, error):
    copy = loads(dump(error))

    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert repr(copy) == repr(error)


def test_error_attributes_that_pickle_are_kept_and_the_others_dropped():
    copy = loads(dumps(HoldsALock("locked")))

    assert copy.detail == "kept"
    assert not hasattr(copy, "lock")


def test_an_error_holding_a_lock_does_not_pickle_as_it_is():
    assert "cannot pickle '_thread.lock' object" in find_pickling_error(HoldsALock("locked"))
    assert find_pickling_error(TwoArguments("users", 7)) is None


def test_downstream_of_a_failure_the_upstream_state_goes_to_a_worker_with_its_error():
    error = loads(dumps(TwoArguments("users", 7)))  # as it came back from a worker
    upstream = {"load": Failed("Error during execution of task", result=error)}

    again = loads(dumps_by_value(upstream))

    assert repr(again["load"].result) == "TwoArguments('users: row 7')"


def test_failed_state_with_an_unpicklable_error_travels_with_its_message():
    error = HoldsALock("locked")
    state = Failed(f"Error during execution of task: {error!r}", result=error)

    back = loads(dumps_states(state))

    assert back.message == "Error during execution of task: HoldsALock('locked')"
    assert isinstance(back.result, HoldsALock)


def test_state_whose_value_does_not_pickle_becomes_failed_alone_in_a_batch():
    batch = [Success(result=1), Success(result=threading.Lock()), Success(result=3)]

    back = loads(dumps_states(batch))

    assert [type(s).__name__ for s in back] == ["Success", "Failed", "Success"]
    assert [back[0].result, back[2].result] == [1, 3]
    assert back[1].message.startswith("The task's result (a 'lock') cannot be sent back from "
                                      "the process that ran it: TypeError(")
    assert isinstance(back[1].result, RuntimeError)


def test_anything_but_states_is_pickled_as_it_is():
    assert loads(dumps_states({"a": [1, 2]})) == {"a": [1, 2]}
    with pytest.raises(TypeError, match="cannot pickle"):
        dumps_states(threading.Lock())


def test_lambdas_pickle_with_cloudpickle():
    assert loads(dumps(lambda x: x + 1))(1) == 2
