"""ConstantResult: a value known when the flow is built; nothing to store or read (0.15 name)."""

from __future__ import annotations

from typing import Any

from caudal.engine.results.base import Result

__all__ = ["ConstantResult"]


class ConstantResult(Result):
    """A result whose value is a constant of the flow; reading it returns it as it is.

    Args:
        **kwargs: ``value`` and ``location``, as for ``Result``.

    Raises:
        ValueError: a serializer was given (a constant is never serialized).

    Example:
        >>> ConstantResult(value=3).read("anywhere").value
        3
    """

    def __init__(self, **kwargs: Any) -> None:
        if "serializer" in kwargs:
            raise ValueError("ConstantResult takes no serializer: a constant is never stored.")
        super().__init__(**kwargs)

    def read(self, location: str) -> Result:
        """This result itself, whatever ``location`` says."""
        return self

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Refuse: a constant cannot be written.

        Raises:
            ValueError: always.
        """
        raise ValueError(
            "ConstantResult cannot be written: it holds a value fixed when the flow was "
            "built. Give the task a LocalResult, GCSResult or S3Result to store results."
        )

    def exists(self, location: str, **kwargs: Any) -> bool:
        """Always True: a constant always exists."""
        return True
