"""Cache validators: expiry first, then inputs or parameters, whole or in part."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from caudal.engine.cache_validators import (
    all_inputs,
    all_parameters,
    duration_only,
    never_use,
    partial_inputs_only,
    partial_parameters_only,
    tokenize,
)
from caudal.engine.state import Cached

NOW = datetime.datetime.now(datetime.UTC)
LATER = NOW + datetime.timedelta(hours=1)
EARLIER = NOW - datetime.timedelta(hours=1)


def cached(expiration=LATER, inputs=None, parameters=None) -> Cached:
    hashed = None if inputs is None else {k: tokenize(v) for k, v in inputs.items()}
    return Cached(cached_result_expiration=expiration, hashed_inputs=hashed,
                  cached_parameters=parameters)


def test_never_use_refuses_even_a_fresh_cache():
    assert never_use(cached(), {}, {}) is False


def test_duration_only_accepts_until_expiration():
    assert duration_only(cached(LATER), {"x": 1}, {}) is True
    assert duration_only(cached(EARLIER), {"x": 1}, {}) is False
    assert duration_only(cached(None), {"x": 1}, {}) is True


@pytest.mark.parametrize("validator", [
    all_inputs, all_parameters, partial_inputs_only(["x"]), partial_parameters_only(["p"]),
])
def test_every_validator_refuses_an_expired_cache(validator):
    state = cached(EARLIER, inputs={"x": 1}, parameters={"p": 1})

    assert validator(state, {"x": 1}, {"p": 1}) is False


def test_all_inputs_compares_every_input():
    state = cached(inputs={"x": 1, "y": [1, 2]})

    assert all_inputs(state, {"x": 1, "y": [1, 2]}, {}) is True
    assert all_inputs(state, {"x": 1, "y": [1, 3]}, {}) is False
    assert all_inputs(state, {"x": 1}, {}) is False


def test_all_inputs_compares_dataframes_by_content():
    state = cached(inputs={"df": pd.DataFrame({"a": [1, 2]})})

    assert all_inputs(state, {"df": pd.DataFrame({"a": [1, 2]})}, {}) is True
    assert all_inputs(state, {"df": pd.DataFrame({"a": [1, 3]})}, {}) is False


def test_all_inputs_falls_back_to_cached_input_values():
    state = Cached(cached_result_expiration=LATER, cached_inputs={"x": 1})

    assert all_inputs(state, {"x": 1}, {}) is True
    assert all_inputs(state, {"x": 2}, {}) is False


def test_all_parameters_compares_every_parameter():
    state = cached(parameters={"day": "2022-10-05", "limit": 10})

    assert all_parameters(state, {}, {"day": "2022-10-05", "limit": 10}) is True
    assert all_parameters(state, {}, {"day": "2022-10-06", "limit": 10}) is False


def test_partial_inputs_only_ignores_other_inputs():
    state = cached(inputs={"x": 1, "verbose": True})
    check = partial_inputs_only(validate_on=["x"])

    assert check(state, {"x": 1, "verbose": False}, {}) is True
    assert check(state, {"x": 2, "verbose": True}, {}) is False


def test_partial_inputs_only_without_names_accepts_any_inputs():
    assert partial_inputs_only()(cached(inputs={"x": 1}), {"x": 2}, {}) is True


def test_partial_parameters_only_ignores_other_parameters():
    state = cached(parameters={"nrows": 500, "runtime": "10:00"})
    check = partial_parameters_only(validate_on=["nrows"])

    assert check(state, {}, {"nrows": 500, "runtime": "11:00"}) is True
    assert check(state, {}, {"nrows": 100, "runtime": "10:00"}) is False


def test_tokenize_gives_an_unpicklable_value_a_token_that_matches_nothing():
    lock = __import__("threading").Lock()

    assert tokenize(lock) != tokenize(lock)
