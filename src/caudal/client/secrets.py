"""Secret: a named value read where a flow runs, locally or from the server (Prefect 0.15's
``prefect.client.Secret``).

``Secret(name).get()`` looks in the local secrets first (``caudal.context.secrets``,
``[context.secrets]`` in config.toml, ``CAUDAL__CONTEXT__SECRETS__<NAME>``), then, in a run
of the server (or with ``cloud.use_local_secrets = false``), asks the server.
"""

from __future__ import annotations

import json
from typing import Any

from caudal.client.client import Client
from caudal.exceptions import ObjectNotFound
from caudal.utilities.context import context

__all__ = ["Secret"]


class Secret:
    """A secret, by name; its value is read by ``get`` each time, never kept.

    A value that is JSON text is parsed (``'42'`` gives ``42``, ``'{"a": 1}'`` a dict), as
    Prefect does; store text that should stay text as a JSON string (``'"42"'``).

    Args:
        name: the secret's name.

    Example:
        >>> import caudal
        >>> from caudal.client import Secret
        >>> with caudal.context(secrets={"DB": '{"user": "etl"}'}):
        ...     Secret("DB").get()
        {'user': 'etl'}
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def client(self) -> Client:
        """The client that reads the server's secrets, made on first use."""
        if not hasattr(self, "_client"):
            self._client = Client()
        return self._client

    def exists(self) -> bool:
        """Whether the secret is set locally, or (when the server is asked) on the server."""
        from caudal.storage.secrets import find_secret

        if find_secret(self.name) is not None:
            return True
        if _asks_server():
            return self.name in self.client.list_secrets()
        return False

    def get(self) -> Any:
        """The secret's value, parsed as JSON when it is JSON text.

        Raises:
            ValueError: called while a flow is being built, or the secret is not set locally
                and the server is not asked; the message says where to set it.
            KeyError: the server is asked and has no secret of that name.
            ClientError: the server could not be asked, or refused (a viewer's key).
        """
        from caudal.core.flow import Flow
        from caudal.storage.secrets import find_secret

        # The run context holds its flow too; only a task's context names a task.
        if isinstance(context.get("flow"), Flow) and context.get("task_name") is None:
            raise ValueError(
                "Secrets should only be retrieved during a Flow run, not while building a Flow.")
        value: Any = find_secret(self.name)
        if value is None:
            if not _asks_server():
                raise ValueError(
                    f"Local Secret '{self.name}' was not found. Set it in "
                    f"caudal.context.secrets, as CAUDAL__CONTEXT__SECRETS__{self.name.upper()}, "
                    "or under [context.secrets] in config.toml; runs of a caudal server also "
                    f"read the server's secrets ('caudal secrets set {self.name}').")
            try:
                value = self.client.get_secret(self.name)
            except ObjectNotFound as exc:
                raise KeyError(
                    f"The secret '{self.name}' was not found, locally or on the caudal server "
                    f"at {self.client.api_server}. Set it with 'caudal secrets set "
                    f"{self.name}'.") from exc
        try:
            return json.loads(value)
        except (json.JSONDecodeError, TypeError):
            return value


def _asks_server() -> bool:
    """Whether a secret not found locally is asked of the server: in a run of the server, or
    when the configuration says ``cloud.use_local_secrets = false``."""
    if context.get("running_with_backend"):
        return True
    config = context.get("config")
    if config is None:
        from caudal.configuration import config
    cloud = config.get("cloud", {})
    return cloud.get("use_local_secrets", True) is False
