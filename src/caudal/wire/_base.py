"""What every wire model shares: strict fields, and values every database can store.

Unknown fields are refused (a typo is a 422, not a silent no-op). Text may not hold NUL
characters (PostgreSQL cannot store them), JSON objects must be plain JSON (no NaN), and
datetimes must be between the years 1900 and 2500, so that no request can reach the database
with a value it would refuse with an internal error.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

__all__ = ["INT32", "JsonObject", "Model", "Page", "Timestamp"]

INT32 = 2**31 - 1
"""The largest value an integer column holds on every database."""


def _check_time(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2500:
        raise ValueError("datetime must be between the years 1900 and 2500")
    return value


def _check_json(value: dict[str, Any]) -> dict[str, Any]:
    try:
        text = json.dumps(value, allow_nan=False)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"must be plain JSON ({exc})") from exc
    if "\\u0000" in text:
        raise ValueError("must not contain NUL characters")
    return value


Timestamp = Annotated[datetime, AfterValidator(_check_time)]
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
        for name in type(self).model_fields:
            if _has_nul(getattr(self, name)):
                raise ValueError(f"'{name}' must not contain NUL characters")
        return self


T = TypeVar("T")


class Page(Model, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None
