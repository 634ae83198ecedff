"""Cache validators across runs: all_inputs re-runs for a new input, all_parameters for a new
parameter, partial_inputs_only ignores the inputs it does not name."""
from datetime import timedelta

from prefect import Flow, Parameter, task
from prefect.engine.cache_validators import (
    all_inputs,
    all_parameters,
    partial_inputs_only,
    partial_parameters_only,
)

CALLS = {"by_input": [], "by_params": [], "partial": [], "partial_params": []}


@task(cache_for=timedelta(hours=1), cache_validator=all_inputs)
def by_input(x):
    CALLS["by_input"].append(x)
    return x * 10


@task(cache_for=timedelta(hours=1), cache_validator=all_parameters)
def by_params():
    CALLS["by_params"].append(1)
    return len(CALLS["by_params"])


@task(cache_for=timedelta(hours=1), cache_validator=partial_inputs_only(validate_on=["x"]))
def partial(x, verbose):
    CALLS["partial"].append((x, verbose))
    return x


@task(cache_for=timedelta(hours=1),
      cache_validator=partial_parameters_only(validate_on=["day"]))
def partial_params(day):
    CALLS["partial_params"].append(day)
    return day


@task
def calls(a, b, c, d):
    return {k: list(v) for k, v in CALLS.items()}


with Flow("validators") as flow:
    x = Parameter("x", default=1)
    verbose = Parameter("verbose", default=False)
    day = Parameter("day", default="2022-10-05")
    calls(by_input(x), by_params(), partial(x, verbose), partial_params(day))

flow.run()
flow.run(parameters={"verbose": True})
RUN_KWARGS = {"parameters": {"x": 2, "verbose": True}}
