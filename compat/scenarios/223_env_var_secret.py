"""EnvVarSecret: cast, unset variable (None), raise_if_missing, and a name given to run()."""
import os

from prefect import Flow, task
from prefect.tasks.secrets import EnvVarSecret

os.environ["COMPAT_223_PORT"] = "5432"
os.environ.pop("COMPAT_223_UNSET", None)


@task
def collect(port, unset, other):
    return {"port": port, "unset": unset, "other": other}


missing = EnvVarSecret("COMPAT_223_UNSET", raise_if_missing=True)

with Flow("env-var-secret") as flow:
    collect(EnvVarSecret("COMPAT_223_PORT", cast=int), EnvVarSecret("COMPAT_223_UNSET"),
            EnvVarSecret(name="OTHER")(name="COMPAT_223_PORT"))
    collect(missing, None, None)
