"""What every wire model shares: strict fields, and values every database can store.

Unknown fields are refused (a typo is a 422, not a silent no-op). Text may not hold NUL
characters (PostgreSQL cannot store them), JSON objects must be plain JSON (no NaN, no lone
surrogates, at most 100 levels deep), and datetimes must be between the years 1900 and 2500,
so that no request can reach the database with a value it would refuse with an internal error.
Names are normalised (NFC, surrounding whitespace stripped) so that look-alikes are one name.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    model_validator,
)

__all__ = ["INT32", "MAX_JSON_DEPTH", "JsonObject", "Label", "LongName", "Model", "Name",
           "Page", "Timestamp", "normalize_name"]

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


# Control characters have no names in the Unicode database; these are the ones people meet.
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "TAB",
                  0x0A: "LINE FEED", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
                  0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE"}
_REFUSED_CATEGORIES = {"Cc": "control character", "Cf": "format character"}


def normalize_name(value: str) -> str:
    """The one spelling of a name: NFC, without surrounding whitespace, nothing invisible.

    Names of projects, flows, runs, agents, tasks and labels go through it, so that look-alikes
    (``'etl'``, ``'etl '``, ``'café'`` composed and decomposed) are one name, and names that
    only look alike (a zero-width space, a bidi override) are refused instead of stored.

    Args:
        value: the name as given.

    Returns:
        ``value`` in Unicode normal form NFC, with surrounding whitespace removed.

    Raises:
        ValueError: the name is empty once stripped, or holds a control character (Unicode
            category Cc), a format character (Cf: zero-width spaces and joiners, BOM, bidi
            controls, soft hyphen) or a lone surrogate; the message names the character.

    Example:
        >>> normalize_name(" cafe\\u0301 ") == "caf\\u00e9"
        True
        >>> normalize_name("e\\u200btl")
        Traceback (most recent call last):
        ...
        ValueError: must not contain the format character U+200B (ZERO WIDTH SPACE)
    """
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise ValueError("must not be empty or only whitespace")
    # Every refused character is unprintable to Python, so most names are checked at C speed.
    if not name.isprintable():
        for char in name:
            code, category = ord(char), unicodedata.category(char)
            if category == "Cs":
                raise ValueError(f"must be valid Unicode text, not a lone surrogate (U+{code:04X})")
            kind = _REFUSED_CATEGORIES.get(category)
            if kind is not None:
                label = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
                shown = f"U+{code:04X} ({label})" if label else f"U+{code:04X}"
                raise ValueError(f"must not contain the {kind} {shown}")
    return name


def _normalize_input(value: Any) -> Any:
    # Before pydantic's own check, so that the length limit applies to the name as stored
    # (NFC can lengthen a name); anything not text is left to pydantic to refuse.
    return _normalized(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=4096)
def _normalized(value: str) -> str:
    # Batches of task states name the same few tasks thousands of times.
    return normalize_name(value)


Timestamp = Annotated[datetime, AfterValidator(_check_time)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200),
               BeforeValidator(_normalize_input)]
"""The name of a project or an agent: :func:`normalize_name`'d, at most 200 characters."""
LongName = Annotated[str, StringConstraints(min_length=1, max_length=500),
                   BeforeValidator(_normalize_input)]
"""The name of a flow, a run or a task: :func:`normalize_name`'d, at most 500 characters."""
Label = Name
"""A label that flows, runs and agents carry: a :data:`Name`, at most 200 characters."""
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
