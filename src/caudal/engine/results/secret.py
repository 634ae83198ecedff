"""SecretResult: the result of a secret task, read again from the secret store, never written.

A secret task is any task whose ``run(name=...)`` returns the secret: from the local secrets
(``caudal.context.secrets``, or ``[context.secrets]`` in config.toml, which
``caudal.storage.secrets.find_secret`` reads both), the environment, a vault...
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from caudal.engine.results.base import Result

if TYPE_CHECKING:
    from caudal.core.task import Task

__all__ = ["SecretResult"]


class SecretResult(Result):
    """The result of ``secret_task``: reading it runs the task again, so the secret is never
    stored; writing it is refused.

    Its location is the secret's name (the task's name unless ``location`` is given). A task
    with this result should say ``checkpoint=False``, as Prefect's secret tasks do: with
    checkpointing on, a task whose result cannot be written fails.

    Args:
        secret_task: the task that reads the secret; its ``run`` takes the secret's
            ``name`` as a keyword.
        **kwargs: ``value``, ``location`` and ``serializer``, as for ``Result``.

    Example:
        >>> import caudal
        >>> from caudal import Task
        >>> class LocalSecret(Task):
        ...     def __init__(self, name, **kwargs):
        ...         super().__init__(name=name, checkpoint=False, **kwargs)
        ...         self.result = SecretResult(self)
        ...     def run(self, name=None):
        ...         return caudal.context.secrets[name or self.name]
        >>> result = LocalSecret("DB_PASSWORD").result
        >>> result.location
        'DB_PASSWORD'
        >>> with caudal.context(secrets={"DB_PASSWORD": "s3cr3t"}):
        ...     result.read("DB_PASSWORD").value
        's3cr3t'
    """

    def __init__(self, secret_task: Task, **kwargs: Any) -> None:
        kwargs.setdefault("location", secret_task.name)
        super().__init__(**kwargs)
        self.secret_task = secret_task

    def read(self, location: str) -> Result:
        """A new SecretResult holding the secret named ``location``, read by running the
        secret task again with ``name=location``.

        Raises:
            TypeError: the secret task's ``run`` takes no ``name``.
        """
        parameters = inspect.signature(self.secret_task.run).parameters
        if "name" not in parameters and not any(
            p.kind is p.VAR_KEYWORD for p in parameters.values()
        ):
            raise TypeError(
                f"SecretResult reads secret '{location}' by calling "
                f"{type(self.secret_task).__name__}('{self.secret_task.name}').run(name=...), "
                "but that run() takes no 'name' argument; give it one, as secret tasks have."
            )
        new = self.copy()
        new.location = location
        new.value = self.secret_task.run(name=location)
        return new

    def write(self, value_: Any, **kwargs: Any) -> Result:
        """Refuse: a secret is read from its store each time, never written.

        Raises:
            ValueError: always.
        """
        raise ValueError(
            "SecretResults cannot be written to. A secret is read again from its store each "
            f"time: give the secret task '{self.secret_task.name}' checkpoint=False."
        )
