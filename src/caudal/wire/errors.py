"""What the server answers when a request fails: one sentence in ``detail``, always.

A request the server cannot parse (422) also lists the fields at fault in ``errors``.
"""

from __future__ import annotations

from caudal.wire._base import Model

__all__ = ["ApiError", "FieldError"]


class FieldError(Model):
    """One field of a request that failed validation."""

    loc: list[str | int]
    msg: str
    type: str


class ApiError(Model):
    """The body of every 4xx and 5xx answer; the client shows ``detail`` as the error."""

    detail: str
    errors: list[FieldError] | None = None
