"""Secrets that storages read by name: tokens, passwords and connection strings.

Prefect 0.15 code names a secret (``git_token_secret_name="GITHUB_TOKEN"``) and reads its value
where the flow is loaded. caudal keeps secrets where Prefect's local secrets live: in
``caudal.context.secrets`` (``with caudal.context(secrets={...}):``), or in the configuration
as ``[context.secrets]`` in ``config.toml`` or a ``CAUDAL__CONTEXT__SECRETS__<NAME>`` variable.
A secret's value is never part of a storage's description: only its name travels.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from caudal.exceptions import FlowStorageError
from caudal.utilities.context import context

__all__ = ["environment_value", "find_secret", "missing_secret", "read_secret"]


def find_secret(name: str) -> str | None:
    """The value of the secret ``name``, or None if it is set nowhere.

    Looked up in ``caudal.context.secrets`` first, then in the configuration as it is now
    (``CAUDAL__CONTEXT__SECRETS__<NAME>`` or ``[context.secrets]`` in ``config.toml``). The
    configuration is read again here, not taken from start-up: a run process started ahead
    of its run gets the run config's variables after it started. Configuration keys are
    lower case, so the name matches them in any case.

    Example:
        >>> import caudal
        >>> with caudal.context(secrets={"GIT_TOKEN": "abc"}):
        ...     find_secret("GIT_TOKEN")
        'abc'
        >>> find_secret("NO_SUCH_SECRET") is None
        True
    """
    given = context.get("secrets")
    if isinstance(given, Mapping) and name in given:
        return str(given[name])
    from caudal.configuration import load_config

    section = load_config().get("context", {})
    secrets = section.get("secrets", {}) if isinstance(section, Mapping) else {}
    if isinstance(secrets, Mapping):
        wanted = name.lower()
        for key, value in secrets.items():
            if key.lower() == wanted:
                return str(value)
    return None


def read_secret(name: str, needed_by: str) -> str:
    """The value of the secret ``name`` (see ``find_secret``), which ``needed_by`` uses.

    Raises:
        FlowStorageError: the secret is set nowhere; the message says where to set it.
    """
    value = find_secret(name)
    if value is None:
        raise FlowStorageError(missing_secret(name, needed_by), path=name)
    return value


def missing_secret(name: str, needed_by: str) -> str:
    """What to say when secret ``name``, which ``needed_by`` uses, is set nowhere: where to
    set it.

    Example:
        >>> missing_secret("TOKEN", "GitHub storage")[:46]
        "Secret 'TOKEN' (for GitHub storage) is not set"
    """
    return (f"Secret '{name}' (for {needed_by}) is not set. Set it with "
            f"caudal.context(secrets={{'{name}': ...}}), or the variable "
            f"CAUDAL__CONTEXT__SECRETS__{name.upper()} where the flow is built and run (for an "
            "agent's runs: in the agent's environment or the run config's env), or put "
            f"'{name.lower()} = \"...\"' under [context.secrets] in config.toml.")


def environment_value(name: str) -> str | None:
    """The environment variable ``name`` as it is now, or None.

    Prefect 0.15's storages read some values straight from the environment
    (``GITHUB_ACCESS_TOKEN``, ``AZURE_STORAGE_CONNECTION_STRING``, a Webhook's ``${VAR}``
    templates); flows written for it expect the same, so these lookups stay, in this one place.
    """
    return os.environ.get(name)
