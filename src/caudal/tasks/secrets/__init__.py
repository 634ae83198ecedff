"""Secret tasks (Prefect 0.15's ``prefect.tasks.secrets``): tasks whose value is a secret.

A secret task's result is a ``SecretResult``: its value is read again from the secret store
when needed, never written to a result location (``checkpoint=False``). ``PrefectSecret``
reads local secrets, then the server's in a run of the server; ``EnvVarSecret`` reads an
environment variable. Subclass ``SecretBase`` for another store.
"""

from caudal.tasks.secrets.base import PrefectSecret, SecretBase
from caudal.tasks.secrets.env_var import EnvVarSecret

__all__ = ["EnvVarSecret", "PrefectSecret", "SecretBase"]
