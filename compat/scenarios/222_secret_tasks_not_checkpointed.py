"""Secret tasks under checkpointing with a flow result: their values reach downstream tasks
but are never written; their result is a SecretResult and checkpoint is off."""
import os

from prefect import Flow, task
from prefect.engine.results import LocalResult
from prefect.tasks.secrets import EnvVarSecret, PrefectSecret

os.environ["COMPAT_222_WORKERS"] = "3"


@task
def files_written(password, workers):
    return {"files": sorted(os.listdir("results")), "length": len(password),
            "workers": workers}


secret = PrefectSecret("DB_PASSWORD")
workers = EnvVarSecret("COMPAT_222_WORKERS", cast=int)


@task
def describe(_):
    return [secret.checkpoint, type(secret.result).__name__, secret.name, secret.secret_name,
            workers.checkpoint, type(workers.result).__name__, workers.name]


with Flow("secret-no-checkpoint", result=LocalResult(dir="results",
                                                      location="{task_name}.pkl")) as flow:
    written = files_written(secret, workers)
    describe(written)

RUN_KWARGS = {"context": {"checkpointing": True, "secrets": {"DB_PASSWORD": "s3cr3t"}}}
