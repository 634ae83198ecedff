"""The base of every wire model: strict about unknown fields, so a typo is a 422, not a no-op."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["Model", "Page"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


T = TypeVar("T")


class Page(Model, Generic[T]):
    """One page of a list; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None
