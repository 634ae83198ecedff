"""Result: location templates, copies that leave the original alone, and no storage."""

from __future__ import annotations

import pickle

import pytest

from caudal.engine.results import Result
from caudal.engine.serializers import JSONSerializer, PickleSerializer
from caudal.exceptions import ResultNotImplementedError


def test_result_defaults_to_the_pickle_serializer():
    assert Result().serializer == PickleSerializer()


def test_format_fills_the_location_template_and_leaves_the_original_alone():
    result = Result(location="{flow_name}/{task_name}/{map_index}.pkl")

    formatted = result.format(flow_name="etl", task_name="load", map_index=3, unused=1)

    assert formatted.location == "etl/load/3.pkl"
    assert result.location == "{flow_name}/{task_name}/{map_index}.pkl"


def test_format_calls_a_callable_location_with_the_keywords():
    result = Result(location=lambda **kw: f"{kw['task_name']}-{kw['day']}.pkl")

    assert result.format(task_name="load", day="2022-10-05").location == "load-2022-10-05.pkl"


def test_format_without_a_location_makes_a_new_one_each_time():
    result = Result()

    first, second = result.format().location, result.format().location

    assert first.endswith(".caudal_result") and first != second


def test_format_with_a_missing_key_raises_key_error_naming_it(caplog):
    with pytest.raises(KeyError, match="table"):
        Result(location="{table}.pkl").format(task_name="load")

    assert "names 'table'" in caplog.text


def test_location_of_another_type_is_refused():
    with pytest.raises(TypeError, match="template string or a callable"):
        Result(location=42)  # type: ignore[arg-type]


def test_from_value_copies_with_the_value_and_no_location():
    result = Result(location="x.pkl", serializer=JSONSerializer())

    new = result.from_value(5)

    assert (new.value, new.location, new.serializer) == (5, None, JSONSerializer())
    assert result.value is None


def test_results_are_equal_by_type_value_location_and_serializer():
    assert Result(1, location="a") == Result(1, location="a")
    assert Result(1, location="a") != Result(2, location="a")
    assert Result(1, serializer=JSONSerializer()) != Result(1)


@pytest.mark.parametrize("call", [
    lambda r: r.read("x"), lambda r: r.write(1), lambda r: r.exists("x"),
])
def test_base_result_has_no_storage_and_says_which_result_to_use(call):
    with pytest.raises(ResultNotImplementedError, match="LocalResult"):
        call(Result())


def test_result_with_a_callable_location_pickles():
    result = Result(value=3, location="{task_name}.pkl")

    back = pickle.loads(pickle.dumps(result))

    assert back == result and back.format(task_name="t").location == "t.pkl"


def test_with_location_takes_a_template_or_a_callable_and_leaves_the_original_alone():
    result = Result(location="fixed.pkl")

    templated = result.with_location("{task_name}.pkl")
    called = result.with_location(lambda **kw: f"{kw['task_name']}-by-call.pkl")

    assert templated.format(task_name="load").location == "load.pkl"
    assert called.location is None
    assert called.format(task_name="load").location == "load-by-call.pkl"
    assert result.location == "fixed.pkl"
    assert result.with_location(None).format().location.endswith(".caudal_result")
