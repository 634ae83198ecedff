"""SecretBase and PrefectSecret: tasks whose values are secrets, never stored."""

from __future__ import annotations

from typing import Any

from caudal.core.task import Task
from caudal.engine.results.secret import SecretResult

__all__ = ["PrefectSecret", "SecretBase"]


class SecretBase(Task):
    """Base of the secret tasks: no checkpoint, and a ``SecretResult`` that refuses writes, so
    the value is never persisted. Subclass it and override ``run(name=None)`` for another
    secret store.

    Args:
        **kwargs: passed to ``Task``; ``checkpoint`` is always False.

    Raises:
        ValueError: a ``result`` is given (a secret's result is not configurable).
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("result"):
            raise ValueError("Result types for Secrets are not configurable.")
        kwargs["checkpoint"] = False
        super().__init__(**kwargs)
        self.result = SecretResult(secret_task=self)


class PrefectSecret(SecretBase):
    """The secret ``name``, read with ``caudal.client.Secret(name).get()``: local secrets
    first, then the server's in a run of the server.

    Args:
        name: the secret's name (also the task's name).
        **kwargs: passed to ``Task``.

    Example:
        >>> import caudal
        >>> from caudal.tasks.secrets import PrefectSecret
        >>> with caudal.context(secrets={"API_TOKEN": "abc"}):
        ...     PrefectSecret("API_TOKEN").run()
        'abc'
    """

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        self.secret_name = name
        super().__init__(name=name, **kwargs)

    def run(self, name: str | None = None) -> Any:
        """The secret's value (``name`` defaults to the one given at initialization).

        Raises:
            ValueError: no name was given, or the secret is set nowhere the run looks.
        """
        if name is None:
            name = self.secret_name
        if name is None:
            raise ValueError("A secret name must be provided.")
        from caudal.client.secrets import Secret  # the client loads only when a secret is read

        return Secret(name).get()
