"""Parameter: defaults, required values, checks before the run, subclasses, DateTimeParameter."""

from __future__ import annotations

import datetime

import pytest

from caudal import Flow, Parameter, task
from caudal.core.parameter import DateTimeParameter
from caudal.exceptions import MissingParameterError, UnknownParameterError

UTC = datetime.UTC


@task
def show(x):
    return x


class Upper(Parameter):
    """A parameter that upper-cases whatever it is given."""

    def run(self):
        return super().run().upper()


@pytest.fixture
def flow_with_params() -> tuple[Flow, dict[str, object]]:
    with Flow("params") as flow:
        with_default = show(Parameter("a", default=1))
        optional = show(Parameter("b", required=False))
        required = show(Parameter("c"))
    return flow, {"a": with_default, "b": optional, "c": required}


def test_parameter_with_default_is_not_required():
    p = Parameter("x", default=2)

    assert (p.required, p.default) == (False, 2)


def test_parameter_without_default_is_required():
    p = Parameter("x")

    assert (p.required, p.default) == (True, None)


def test_parameter_with_default_none_is_not_required():
    assert Parameter("x", default=None).required is False


def test_parameter_slug_is_its_name():
    assert Parameter("n_users", default=1).slug == "n_users"


def test_defaults_are_used_when_not_given(flow_with_params):
    flow, t = flow_with_params

    state = flow.run(c=3)

    assert [state.result[t[k]].result for k in "abc"] == [1, None, 3]


def test_run_with_parameters_dict_overrides_defaults(flow_with_params):
    flow, t = flow_with_params

    state = flow.run(parameters={"c": 4, "a": 9})

    assert [state.result[t[k]].result for k in "ac"] == [9, 4]


def test_run_with_keyword_parameters_and_dict_together(flow_with_params):
    flow, t = flow_with_params

    state = flow.run(c=5, parameters={"a": 8})

    assert [state.result[t[k]].result for k in "ac"] == [8, 5]


def test_missing_required_parameter_raises_before_any_task_runs(flow_with_params, capsys):
    flow, _ = flow_with_params

    with pytest.raises(MissingParameterError) as excinfo:
        flow.run()

    assert isinstance(excinfo.value, ValueError)
    assert "'c'" in str(excinfo.value)
    out = capsys.readouterr().out
    assert "Starting task run" not in out
    assert "Beginning Flow run" not in out


def test_unknown_parameter_raises_naming_it(flow_with_params, capsys):
    flow, _ = flow_with_params

    with pytest.raises(UnknownParameterError) as excinfo:
        flow.run(c=1, zz=2)

    assert isinstance(excinfo.value, TypeError)
    assert isinstance(excinfo.value, ValueError)
    assert "'zz'" in str(excinfo.value)
    assert "Starting task run" not in capsys.readouterr().out


def test_unknown_parameter_in_parameters_dict_raises(flow_with_params):
    flow, _ = flow_with_params

    with pytest.raises(UnknownParameterError, match="'typo'"):
        flow.run(parameters={"c": 1, "typo": 2})


def test_parameter_subclass_overriding_run_changes_value():
    with Flow("upper") as flow:
        name = show(Upper("name", default="abc"))

    assert flow.run().result[name].result == "ABC"
    assert flow.run(name="xyz").result[name].result == "XYZ"


def test_parameter_used_twice_is_one_task():
    with Flow("twice") as flow:
        p = Parameter("p", default=1)
        show(p)
        show(p)

    assert flow.parameters() == {p}
    assert len(flow.tasks) == 3


def test_datetime_parameter_parses_iso_string_with_offset():
    with Flow("dt") as flow:
        when = show(DateTimeParameter("when"))

    value = flow.run(when="2021-03-04T05:06:07+00:00").result[when].result

    assert isinstance(value, datetime.datetime)
    assert value == datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_datetime_parameter_is_required_and_accepts_none_when_given():
    p = DateTimeParameter("when")
    with Flow("dt") as flow:
        when = show(p)

    assert p.required is True
    assert flow.run(when=None).result[when].result is None


def test_datetime_parameter_without_offset_is_read_as_utc():
    with Flow("dt") as flow:
        when = show(DateTimeParameter("when"))

    value = flow.run(when="2021-03-04").result[when].result

    assert value.tzinfo is not None
    assert value == datetime.datetime(2021, 3, 4, tzinfo=UTC)


def test_parameters_that_are_not_a_dict_are_refused_before_anything_runs(capsys) -> None:
    with Flow("not-a-dict") as flow:
        Parameter("n", default=1)

    with pytest.raises(TypeError, match="takes a dict of parameter names"):
        flow.run(parameters=["n", 2])
    assert "Starting task run" not in capsys.readouterr().out


def test_parameter_from_its_old_path_in_core_task_warns_and_works():
    from caudal.core.task import Parameter as OldParameter

    with pytest.warns(UserWarning, match="please import as `caudal.Parameter`"):
        with Flow("old path") as flow:
            region = OldParameter("region", default="rmr")
            shown = show(region)

    assert isinstance(region, Parameter)
    assert flow.run(region="abc").result[shown].result == "abc"


def test_parameter_copy_takes_the_new_name_as_its_slug():
    assert Parameter("x").copy("y").slug == "y"
