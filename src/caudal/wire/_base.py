"""What every wire model shares: strict fields, and values every database can store.

Unknown fields are refused (a typo is a 422, not a silent no-op). Text may not hold NUL
characters (PostgreSQL cannot store them), JSON objects must be plain JSON (no NaN, no lone
surrogates, at most 100 levels deep), and datetimes must be between the years 1900 and 2500,
so that no request can reach the database with a value it would refuse with an internal error.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, model_validator

__all__ = ["INT32", "MAX_JSON_DEPTH", "JsonObject", "Model", "Page", "Timestamp"]

INT32 = 2**31 - 1
"""The largest value an integer column holds on every database."""


def _check_time(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2500:
        raise ValueError("datetime must be between the years 1900 and 2500")
    return value


MAX_JSON_DEPTH = 100
"""How deeply a JSON value may nest; answers holding it could not be written past ~250."""


def _check_text(text: str, at: str) -> None:
    if "\x00" in text:
        raise ValueError(f"must not contain NUL characters{at}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"must be valid Unicode text, not a lone surrogate{at}") from None


def _check_json(value: dict[str, Any]) -> dict[str, Any]:
    # A walk with its own stack, not recursion: the depth is what is being checked.
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        shown = where if len(where) <= 80 else where[:77] + "..."
        at = f" (at '{shown}')" if where else ""
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"must not nest deeper than {MAX_JSON_DEPTH} levels{at}")
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise ValueError(f"must be plain JSON, with text keys{at}")
                _check_text(key, at)
                stack.append((child, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, at)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"must be plain JSON, where NaN and Infinity are not numbers{at}")
        elif item is not None and not isinstance(item, bool | int | float):
            raise ValueError(f"must be plain JSON, not {type(item).__name__}{at}")
    return value


Timestamp = Annotated[datetime, AfterValidator(_check_time)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
"""A label that flows, runs and agents carry."""
JsonObject = Annotated[dict[str, Any], AfterValidator(_check_json)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="after")
    def _no_nul_characters(self) -> Model:
        # The instance's own fields, read from __dict__: asking pydantic for ``model_fields``
        # per instance cost more than the check itself on batches of log lines.
        for name, value in self.__dict__.items():
            if value.__class__ is str:
                if "\x00" in value:
                    raise ValueError(f"'{name}' must not contain NUL characters")
            elif _has_nul(value):
                raise ValueError(f"'{name}' must not contain NUL characters")
        return self


T = TypeVar("T")


class Page(Model, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None
