"""The built-in core tasks used on their own: Constant, FunctionTask, operators, collections."""

from __future__ import annotations

import pytest

from caudal import Flow
from caudal.tasks.core import collections, operators
from caudal.tasks.core.constants import Constant
from caudal.tasks.core.function import FunctionTask


def test_constant_returns_its_value():
    assert Constant([1, 2]).run() == [1, 2]
    assert Constant(5).value == 5


def test_constant_with_long_value_is_named_after_its_type():
    assert Constant([1, 2, 3]).name == "Constant[list]"
    assert Constant("abcdefghij").name == "Constant[str]"


def test_constant_with_short_value_is_named_after_its_repr():
    assert Constant(5).name == "5"
    assert Constant("ab").name == "'ab'"


def test_constant_in_flow_succeeds_with_its_value_without_log_lines(capsys):
    flow = Flow("constant")
    c = Constant(7)
    flow.add_task(c)

    state = flow.run()

    assert state.result[c].result == 7
    assert "Task 'Constant" not in capsys.readouterr().out


def test_function_task_runs_its_function_and_takes_its_name():
    def double(x):
        return 2 * x

    t = FunctionTask(double)

    assert (t.name, t.run(4)) == ("double", 8)


def test_function_task_with_lambda_and_name():
    t = FunctionTask(lambda x: x * 2, name="dbl")

    assert (t.name, t.run(4)) == ("dbl", 8)


def test_function_task_with_non_callable_raises_type_error():
    with pytest.raises(TypeError):
        FunctionTask(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("op", "args", "expected"),
    [
        (operators.Add, (1, 2), 3),
        (operators.Sub, (5, 2), 3),
        (operators.Mul, (3, 4), 12),
        (operators.Div, (5, 2), 2.5),
        (operators.FloorDiv, (5, 2), 2),
        (operators.Mod, (5, 2), 1),
        (operators.Pow, (2, 3), 8),
        (operators.And, (1, 0), 0),
        (operators.Or, (0, 3), 3),
        (operators.Equal, (2, 2), True),
        (operators.NotEqual, (1, 2), True),
        (operators.NotEqual, (2, 2), False),
        (operators.GreaterThan, (3, 2), True),
        (operators.GreaterThanOrEqual, (3, 2), True),
        (operators.GreaterThanOrEqual, (2, 3), False),
        (operators.LessThan, (1, 2), True),
        (operators.LessThanOrEqual, (2, 2), True),
        (operators.Not, (0,), True),
    ],
)
def test_operator_task_run_directly_returns_the_operation_result(op, args, expected):
    assert op().run(*args) == expected


def test_get_item_returns_item():
    assert operators.GetItem().run({"a": 1}, "a") == 1
    assert operators.GetItem().run([10, 20], 1) == 20


def test_get_item_with_default_in_constructor_returns_it_for_missing_key():
    assert operators.GetItem(default=0).run({"a": 1}, "b") == 0


def test_get_item_with_default_argument_returns_it_for_missing_key():
    assert operators.GetItem().run({"a": 1}, "b", default=0) == 0


def test_get_item_without_default_raises_for_missing_key():
    with pytest.raises(KeyError):
        operators.GetItem().run({"a": 1}, "b")


def test_get_attr_returns_attribute():
    assert operators.GetAttr().run(1j, "imag") == 1.0


def test_collection_tasks_collect_their_arguments():
    assert collections.List().run(arg_1=1, arg_2=2) == [1, 2]
    assert collections.Tuple().run(arg_1=1, arg_2=2) == (1, 2)
    assert collections.Set().run(arg_1=1, arg_2=1) == {1}
    assert collections.Dict().run(keys=["a", "b"], values=[1, 2]) == {"a": 1, "b": 2}


def test_operator_task_called_in_flow_binds_arguments():
    with Flow("ops") as flow:
        total = operators.Add()(1, 2)
        bigger = operators.GreaterThanOrEqual()(total, 3)

    state = flow.run()

    assert (state.result[total].result, state.result[bigger].result) == (3, True)
