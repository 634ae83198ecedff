"""EnvVarSecret: a secret read from an environment variable."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from caudal.tasks.secrets.base import SecretBase

__all__ = ["EnvVarSecret"]


class EnvVarSecret(SecretBase):
    """The environment variable ``name`` where the task runs, optionally cast.

    Args:
        name: the variable (also the task's name).
        cast: a function applied to the value when it is set (``int``, ``json.loads``...).
        raise_if_missing: fail the task when the variable is not set (else its value is None).
        **kwargs: passed to ``Task``.

    Example:
        >>> import os
        >>> from caudal.tasks.secrets import EnvVarSecret
        >>> os.environ["WORKERS"] = "4"
        >>> EnvVarSecret("WORKERS", cast=int).run()
        4
    """

    def __init__(self, name: str | None = None, cast: Callable[[Any], Any] | None = None,
                 raise_if_missing: bool = False, **kwargs: Any) -> None:
        self.secret_name = name
        self.cast = cast
        self.raise_if_missing = raise_if_missing
        super().__init__(name=name, **kwargs)

    def run(self, name: str | None = None) -> Any:
        """The variable's value, cast if a ``cast`` was given.

        Raises:
            ValueError: no name was given, or ``raise_if_missing`` and the variable is unset.
        """
        if name is None:
            name = self.secret_name
        if name is None:
            raise ValueError("A secret name must be provided.")
        # Read here, where the task runs: Prefect's EnvVarSecret reads the environment too.
        if self.raise_if_missing and name not in os.environ:
            raise ValueError(f"Environment variable not set: {name}")
        value = os.getenv(name)
        if value is not None and self.cast is not None:
            value = self.cast(value)
        return value
