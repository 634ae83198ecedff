"""Cache validators: may a task reuse its cached result, or must it run again? (0.15 path)

A task with ``cache_for=timedelta(...)`` ends ``Cached``: its result is kept (in this
process, for ``flow.run``) until then, under ``cache_key`` (or the task's name, so tasks of
different flows may share it). Before it runs again, its ``cache_validator`` is called with
each cached state, the new inputs and the flow run's parameters; the first state it accepts
is reused. Every validator also checks that the cache has not expired.

Example:
    >>> import datetime
    >>> from caudal import Flow, task
    >>> calls = []
    >>> @task(cache_for=datetime.timedelta(hours=1), cache_validator=all_inputs)
    ... def square(x):
    ...     calls.append(x)
    ...     return x * x
    >>> with Flow("squares") as flow:
    ...     out = square(3)
    >>> flow.run().result[out].result, flow.run().result[out].result, calls
    (9, 9, [3])
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from caudal.engine.state import State

__all__ = [
    "all_inputs",
    "all_parameters",
    "duration_only",
    "never_use",
    "partial_inputs_only",
    "partial_parameters_only",
    "tokenize",
]

Validator = Callable[[State, Mapping[str, Any], Mapping[str, Any] | None], bool]


def never_use(state: State, inputs: Mapping[str, Any], parameters: Mapping[str, Any] | None
              ) -> bool:
    """Never reuse the cache (the validator of a task without ``cache_for``).

    Example:
        >>> from caudal.engine.state import Cached
        >>> never_use(Cached(), {}, {})
        False
    """
    return False


def duration_only(state: State, inputs: Mapping[str, Any],
                  parameters: Mapping[str, Any] | None) -> bool:
    """Reuse the cache until it expires, whatever the inputs and parameters (the default).

    Example:
        >>> import datetime
        >>> from caudal.engine.state import Cached
        >>> soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
        >>> duration_only(Cached(cached_result_expiration=soon), {}, {})
        True
        >>> duration_only(Cached(cached_result_expiration=soon - datetime.timedelta(hours=1)),
        ...               {}, {})
        False
    """
    expiration = getattr(state, "cached_result_expiration", None)
    return expiration is None or expiration > datetime.datetime.now(datetime.UTC)


def all_inputs(state: State, inputs: Mapping[str, Any], parameters: Mapping[str, Any] | None
               ) -> bool:
    """Reuse the cache until it expires, if every input equals the cached run's.

    Example:
        >>> from caudal.engine.state import Cached
        >>> cached = Cached(hashed_inputs={"x": tokenize(1)})
        >>> all_inputs(cached, {"x": 1}, {}), all_inputs(cached, {"x": 2}, {})
        (True, False)
    """
    if not duration_only(state, inputs, parameters):
        return False
    hashed = getattr(state, "hashed_inputs", None)
    if hashed is not None:
        return hashed == {key: tokenize(value) for key, value in inputs.items()}
    return _equal(dict(state.cached_inputs), dict(inputs))


def all_parameters(state: State, inputs: Mapping[str, Any],
                   parameters: Mapping[str, Any] | None) -> bool:
    """Reuse the cache until it expires, if the flow run's parameters equal the cached run's.

    Example:
        >>> from caudal.engine.state import Cached
        >>> cached = Cached(cached_parameters={"day": "2022-10-05"})
        >>> all_parameters(cached, {}, {"day": "2022-10-05"})
        True
    """
    if not duration_only(state, inputs, parameters):
        return False
    return _equal(getattr(state, "cached_parameters", None), parameters)


def partial_parameters_only(validate_on: Iterable[str] | None = None) -> Validator:
    """A validator that compares only the parameters named in ``validate_on``.

    Args:
        validate_on: the parameter names to compare; None accepts any parameters.

    Returns:
        The validator, to pass as ``cache_validator=``.

    Example:
        >>> from caudal.engine.state import Cached
        >>> check = partial_parameters_only(validate_on=["day"])
        >>> check(Cached(cached_parameters={"day": 1, "limit": 5}), {}, {"day": 1, "limit": 9})
        True
    """
    names = None if validate_on is None else set(validate_on)

    def _partial_parameters_only(state: State, inputs: Mapping[str, Any],
                                 parameters: Mapping[str, Any] | None) -> bool:
        if not duration_only(state, inputs, parameters):
            return False
        if names is None:
            return True
        cached = getattr(state, "cached_parameters", None) or {}
        given = parameters or {}
        return _equal({k: v for k, v in given.items() if k in names},
                      {k: v for k, v in cached.items() if k in names})

    return _partial_parameters_only


def partial_inputs_only(validate_on: Iterable[str] | None = None) -> Validator:
    """A validator that compares only the inputs named in ``validate_on``.

    Args:
        validate_on: the input (argument) names to compare; None accepts any inputs.

    Returns:
        The validator, to pass as ``cache_validator=``.

    Example:
        >>> from caudal.engine.state import Cached
        >>> check = partial_inputs_only(validate_on=["x"])
        >>> cached = Cached(hashed_inputs={"x": tokenize(1), "verbose": tokenize(True)})
        >>> check(cached, {"x": 1, "verbose": False}, {}), check(cached, {"x": 2}, {})
        (True, False)
    """
    names = None if validate_on is None else set(validate_on)

    def _partial_inputs_only(state: State, inputs: Mapping[str, Any],
                             parameters: Mapping[str, Any] | None) -> bool:
        if not duration_only(state, inputs, parameters):
            return False
        if names is None:
            return True
        inputs = inputs or {}
        hashed = getattr(state, "hashed_inputs", None)
        if hashed is not None:
            given = {k: tokenize(v) for k, v in inputs.items() if k in names}
            return given == {k: v for k, v in hashed.items() if k in names}
        cached = state.cached_inputs or {}
        return _equal({k: v for k, v in inputs.items() if k in names},
                      {k: v for k, v in cached.items() if k in names})

    return _partial_inputs_only


def tokenize(value: Any) -> str:
    """A hash of ``value``'s content, to tell later whether an input is the same.

    Equal values give equal tokens (DataFrames included), so a cache keeps no reference to
    its inputs. A value that cannot be pickled gets a token of its own that matches nothing.

    Example:
        >>> tokenize([1, 2]) == tokenize([1, 2]), tokenize([1, 2]) == tokenize([2, 1])
        (True, False)
    """
    import cloudpickle  # loaded on first use, by tasks that cache

    try:
        data = cloudpickle.dumps(value, protocol=5)
    except Exception:
        return f"unhashable-{uuid.uuid4().hex}"
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # DataFrames refuse to become one bool
        return False
